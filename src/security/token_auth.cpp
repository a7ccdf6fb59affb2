#include "solarhook/security/token_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <boost/beast/core/string.hpp>

namespace solarhook::security {
namespace {

std::array<unsigned char, 32> sha256(std::string_view s) noexcept {
    std::array<unsigned char, 32> d{};
    SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d.data());
    return d;
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
            hex_value(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else if (s[i] == '+') {
            out += ' ';
        } else {
            out += s[i];
        }
    }
    return out;
}

// Calls f(name, value, value_offset_in_query) for each name=value pair of the query.
template <class F>
void for_each_param(std::string_view query, F&& f) {
    std::size_t pos = 0;
    while (pos < query.size()) {
        auto amp = query.find('&', pos);
        if (amp == std::string_view::npos) {
            amp = query.size();
        }
        const auto pair = query.substr(pos, amp - pos);
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos) {
            if (f(pair.substr(0, eq), pair.substr(eq + 1), pos + eq + 1)) {
                return;
            }
        }
        pos = amp + 1;
    }
}

}  // namespace

token_set::token_set(const std::vector<std::string>& tokens) {
    digests_.reserve(tokens.size());
    for (const auto& t : tokens) {
        digests_.push_back(sha256(t));
    }
}

bool token_set::accepts(std::string_view presented) const noexcept {
    const auto d = sha256(presented);
    // Every digest is compared, so the time does not tell which one matched.
    int matched = 0;
    for (const auto& known : digests_) {
        matched |= CRYPTO_memcmp(d.data(), known.data(), d.size()) == 0 ? 1 : 0;
    }
    return matched != 0;
}

std::optional<std::string> query_param(std::string_view target, std::string_view name) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) {
        return std::nullopt;
    }
    std::optional<std::string> found;
    for_each_param(target.substr(q + 1), [&](std::string_view n, std::string_view v, std::size_t) {
        if (n == name) {
            found = percent_decode(v);
            return true;
        }
        return false;
    });
    return found;
}

std::optional<std::string_view> bearer_token(std::string_view authorization) noexcept {
    if (authorization.size() <= 7 ||
        !boost::beast::iequals(authorization.substr(0, 7), "bearer ")) {
        return std::nullopt;
    }
    auto t = authorization.substr(7);
    while (!t.empty() && t.front() == ' ') {
        t.remove_prefix(1);
    }
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) {
        t.remove_suffix(1);
    }
    if (t.empty()) {
        return std::nullopt;
    }
    return t;
}

std::optional<std::string> masked_target(std::string_view target,
                                         const std::vector<std::string>& tokens) {
    const auto ends_in_token = [](std::string_view name) {
        return name.size() >= 5 && boost::beast::iequals(name.substr(name.size() - 5), "token");
    };
    const auto q = target.find('?');
    bool needed = false;
    if (q != std::string_view::npos) {
        for_each_param(target.substr(q + 1),
                       [&](std::string_view n, std::string_view, std::size_t) {
                           needed = ends_in_token(n);
                           return needed;
                       });
    }
    for (const auto& t : tokens) {
        needed = needed || (!t.empty() && target.find(t) != std::string_view::npos);
    }
    if (!needed) {
        return std::nullopt;
    }
    std::string text(target);
    for (const auto& t : tokens) {
        for (auto at = t.empty() ? std::string::npos : text.find(t); at != std::string::npos;
             at = text.find(t, at + 3)) {
            text.replace(at, t.size(), "***");
        }
    }
    const auto query_at = text.find('?');
    if (query_at == std::string::npos) {
        return text;
    }
    const std::string_view query = std::string_view(text).substr(query_at + 1);
    std::string out = text.substr(0, query_at + 1);
    std::size_t copied = 0;
    for_each_param(query, [&](std::string_view n, std::string_view v, std::size_t at) {
        if (ends_in_token(n)) {
            out.append(query.substr(copied, at - copied));
            out += "***";
            copied = at + v.size();
        }
        return false;
    });
    out.append(query.substr(copied));
    return out;
}

}  // namespace solarhook::security
