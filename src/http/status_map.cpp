#include "solarhook/http/status_map.hpp"

#include "solarhook/log/structured.hpp"

namespace solarhook::http {

using boost::beast::http::status;

status to_status(errc e) noexcept {
    switch (e) {
        case errc::empty_body:
        case errc::malformed_json:
        case errc::not_an_object:
        case errc::too_deep:
        case errc::bad_framing:
            return status::bad_request;
        case errc::not_found:
            return status::not_found;
        case errc::method_not_allowed:
            return status::method_not_allowed;
        case errc::body_too_large:
        case errc::too_many_events:
            return status::payload_too_large;
        case errc::unsupported_media_type:
            return status::unsupported_media_type;
        case errc::invalid_event:
        case errc::type_mismatch:
        case errc::unknown_event:
            return status::unprocessable_entity;
        case errc::header_too_large:
            return status::request_header_fields_too_large;
        case errc::unauthorized:
            return status::unauthorized;
        case errc::forbidden:
            return status::forbidden;
        case errc::rate_limited:
            return status::too_many_requests;
        case errc::overloaded:
        case errc::draining:
        case errc::store_unavailable:
            return status::service_unavailable;
    }
    return status::internal_server_error;
}

std::string error_body(const problem& p) {
    return log::safe_dump(nlohmann::json{
        {"error", code_name(p.code)},
        {"message", p.message},
        {"details", p.details.is_array() ? p.details : nlohmann::json::array({p.details})}});
}

}  // namespace solarhook::http
