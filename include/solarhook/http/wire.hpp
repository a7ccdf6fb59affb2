// An answer and its bytes on the socket. Every answer solarhook sends is JSON with
// the same few header fields, so it is a small value (status, body, keep-alive,
// the two optional fields) written in one pass into a buffer the connection
// reuses: building a Beast message field by field and walking Beast's serializer
// cost more instructions per request than decoding the event.
#pragma once

#include <boost/beast/http/status.hpp>
#include <chrono>
#include <string>
#include <string_view>

namespace solarhook::http {

struct answer {
    boost::beast::http::status status = boost::beast::http::status::ok;
    unsigned version = 11;  // the request's: 10 or 11
    bool keep_alive = true;
    std::string body;                     // JSON, unless content_type says otherwise
    std::string_view allow;               // sent as Allow when not empty (405)
    std::chrono::seconds retry_after{0};  // sent as Retry-After when > 0 (503, 429)
    std::string_view www_authenticate;    // sent as WWW-Authenticate when not empty (401)
    std::string_view content_type;        // empty: application/json
};

// Replaces `out` with the status line, Server, Content-Type, Cache-Control,
// Retry-After and Allow when set, Connection as HTTP/1.0 or 1.1 needs it for
// keep_alive, Content-Length, X-Request-Id, a blank line, and the body.
void serialize_answer(const answer& a, std::string_view request_id, std::string& out);

}  // namespace solarhook::http
