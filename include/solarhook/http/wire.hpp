// A response as the bytes sent on the socket: status line, fields in their
// order, blank line, body. The same bytes Beast's serializer writes for a
// non-chunked message, made in one pass into a reused buffer, because Beast's
// buffer-sequence walk cost more instructions per answer than decoding.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>

namespace solarhook::http {

// Replaces `out`'s contents. The message must carry its Content-Length (its
// payload prepared); chunked bodies are not written here.
void serialize_response(const boost::beast::http::response<boost::beast::http::string_body>& res,
                        std::string& out);

}  // namespace solarhook::http
