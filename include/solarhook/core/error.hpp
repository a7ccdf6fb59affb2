// Protocol-neutral failure kinds and the problem value every layer returns.
// Decoding, dedup and ingest report an `errc` plus a message and structured
// details; only the HTTP layer turns it into a status code (http/status_map).
// `code_name` is the stable machine-readable string clients see in "error".
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace solarhook {

enum class errc {
    empty_body,
    malformed_json,
    not_an_object,
    too_deep,
    too_many_events,
    invalid_event,
    type_mismatch,
    unknown_event,
    unsupported_media_type,
    body_too_large,
    header_too_large,
    bad_framing,
    not_found,
    method_not_allowed,
    overloaded,
    draining,
    store_unavailable,
    unauthorized,  // no valid token or signature
    forbidden,     // the client address is not allowed
    rate_limited,  // too many requests, or too many failed authentications
};

std::string_view code_name(errc e) noexcept;

struct problem {
    errc code;
    std::string message;
    nlohmann::json details = nlohmann::json::array();
};

}  // namespace solarhook
