// Checks on a parsed request header that Beast 1.81 does not make, run before
// any body byte is read: request-smuggling framing (CL+TE, a final coding other
// than chunked, repeated Content-Length, chunked on HTTP/1.0), and whether a
// declared Content-Type is JSON. Pure functions, unit-tested directly.
#pragma once

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <optional>
#include <string_view>

#include "solarhook/core/error.hpp"

namespace solarhook::http {

using request_header = boost::beast::http::request_header<boost::beast::http::fields>;

std::optional<problem> check_framing(const request_header& h);

// application/json or any +json type, parameters (charset) allowed; case-insensitive.
bool is_json_media_type(std::string_view content_type) noexcept;

}  // namespace solarhook::http
