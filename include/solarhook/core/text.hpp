// Small text helpers shared by the header readers (http/request_guard,
// security/client_address): header values are trimmed of HTTP's optional
// whitespace, spaces and tabs (RFC 9110 "OWS").
#pragma once

#include <string_view>

namespace solarhook {

constexpr std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace solarhook
