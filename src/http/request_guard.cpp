#include "solarhook/http/request_guard.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>

#include <algorithm>
#include <cctype>
#include <string>

#include "solarhook/core/text.hpp"

namespace solarhook::http {
namespace beast = boost::beast;
using beast::http::field;

namespace {

// The last comma-separated coding across every Transfer-Encoding field.
std::string_view last_coding(const request_header& h) {
    std::string_view last;
    const auto [first, end] = h.equal_range(field::transfer_encoding);
    for (auto it = first; it != end; ++it) {
        std::string_view v = it->value();
        std::size_t pos = 0;
        while (pos <= v.size()) {
            auto comma = v.find(',', pos);
            if (comma == std::string_view::npos) {
                comma = v.size();
            }
            if (auto c = trim_ows(v.substr(pos, comma - pos)); !c.empty()) {
                last = c;
            }
            pos = comma + 1;
        }
    }
    // Parameters (";q=...") are not part of the coding name.
    return trim_ows(last.substr(0, last.find(';')));
}

problem framing(std::string message) {
    return problem{errc::bad_framing, std::move(message)};
}

}  // namespace

std::optional<problem> check_framing(const request_header& h) {
    const auto cl_count = h.count(field::content_length);
    const auto te_count = h.count(field::transfer_encoding);
    if (cl_count > 0 && te_count > 0) {
        return framing("both Content-Length and Transfer-Encoding are present");
    }
    if (cl_count > 1) {
        return framing("Content-Length is repeated");
    }
    if (cl_count == 1) {
        const std::string_view v = h[field::content_length];
        if (v.empty() || v.find(',') != std::string_view::npos ||
            !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return framing("Content-Length must be a single decimal number");
        }
    }
    if (te_count > 0) {
        if (!beast::iequals(last_coding(h), "chunked")) {
            return framing("the last Transfer-Encoding must be chunked");
        }
        if (h.version() < 11) {
            return framing("Transfer-Encoding is not allowed on HTTP/1.0");
        }
    }
    return std::nullopt;
}

bool is_json_media_type(std::string_view content_type) noexcept {
    // Compared in place: a lower-cased copy was an allocation on every request.
    const auto type = trim_ows(content_type.substr(0, content_type.find(';')));
    if (boost::beast::iequals(type, "application/json")) {
        return true;
    }
    const auto slash = type.find('/');
    return slash != std::string_view::npos && slash > 0 && type.size() > 5 &&
           boost::beast::iequals(type.substr(type.size() - 5), "+json") && slash < type.size() - 5;
}

}  // namespace solarhook::http
