// Feeding a Beast parser the bytes already buffered. The usual request arrives in
// one read, and Beast's async reads would each complete through the scheduler for
// nothing; reads are for what has not arrived. Header-only, so that bench's Beast
// floor runs this same path without solarhook's core.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace solarhook::http {

// Parses what `buffer` holds up to the end of the header (whole = false) or of the
// whole message, consuming what the parser used; bytes past the message (a pipelined
// request) stay. True: that point is reached. False: more bytes are needed (`ec`
// clear), or the parse failed (`ec` says why).
template <class Parser, class DynamicBuffer>
bool parse_buffered(Parser& parser, DynamicBuffer& buffer, bool whole,
                    boost::beast::error_code& ec) {
    for (;;) {
        if (whole ? parser.is_done() : parser.is_header_done()) {
            return true;
        }
        if (buffer.size() == 0) {
            return false;
        }
        const auto used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec == boost::beast::http::error::need_more) {
            ec = {};
            return false;
        }
        if (ec || used == 0) {
            return false;
        }
    }
}

}  // namespace solarhook::http
