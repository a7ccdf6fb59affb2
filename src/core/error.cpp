#include "solarhook/core/error.hpp"

namespace solarhook {

std::string_view code_name(errc e) noexcept {
    switch (e) {
        case errc::empty_body:
            return "empty_body";
        case errc::malformed_json:
            return "malformed_json";
        case errc::not_an_object:
            return "not_an_object";
        case errc::too_deep:
            return "too_deep";
        case errc::too_many_events:
            return "too_many_events";
        case errc::invalid_event:
            return "invalid_event";
        case errc::type_mismatch:
            return "type_mismatch";
        case errc::unknown_event:
            return "unknown_event";
        case errc::unsupported_media_type:
            return "unsupported_media_type";
        case errc::body_too_large:
            return "body_too_large";
        case errc::header_too_large:
            return "header_too_large";
        case errc::bad_framing:
            return "bad_framing";
        case errc::not_found:
            return "not_found";
        case errc::method_not_allowed:
            return "method_not_allowed";
        case errc::overloaded:
            return "overloaded";
        case errc::draining:
            return "draining";
        case errc::store_unavailable:
            return "store_unavailable";
        case errc::unauthorized:
            return "unauthorized";
        case errc::forbidden:
            return "forbidden";
        case errc::rate_limited:
            return "rate_limited";
    }
    return "internal";
}

}  // namespace solarhook
