#include "solarhook/http/wire.hpp"

#include "solarhook/core/json_text.hpp"

namespace solarhook::http {
namespace {

void append_field(std::string& out, std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
}

}  // namespace

void serialize_answer(const answer& a, std::string_view request_id, std::string& out) {
    out.clear();
    out += a.version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ";
    append_int(out, static_cast<unsigned>(a.status));
    out += ' ';
    const auto reason = boost::beast::http::obsolete_reason(a.status);
    out.append(reason.data(), reason.size());
    out += "\r\nServer: solarhook\r\nContent-Type: ";
    out += a.content_type.empty() ? std::string_view("application/json") : a.content_type;
    out += "\r\nCache-Control: no-store\r\n";
    if (a.retry_after.count() > 0) {
        out += "Retry-After: ";
        append_int(out, a.retry_after.count());
        out += "\r\n";
    }
    if (!a.allow.empty()) {
        append_field(out, "Allow", a.allow);
    }
    if (!a.www_authenticate.empty()) {
        append_field(out, "WWW-Authenticate", a.www_authenticate);
    }
    // HTTP/1.1 keeps the connection unless told; HTTP/1.0 closes it unless told.
    if (a.version >= 11 && !a.keep_alive) {
        out += "Connection: close\r\n";
    } else if (a.version < 11 && a.keep_alive) {
        out += "Connection: keep-alive\r\n";
    }
    out += "Content-Length: ";
    append_int(out, a.body.size());
    out += "\r\n";
    append_field(out, "X-Request-Id", request_id);
    out += "\r\n";
    out += a.body;
}

}  // namespace solarhook::http
