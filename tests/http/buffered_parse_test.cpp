#include "solarhook/http/buffered_parse.hpp"

#include <gtest/gtest.h>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string_view>

namespace solarhook::http {
namespace {

namespace beast = boost::beast;
using parser = beast::http::request_parser<beast::http::string_body>;

void append(beast::flat_buffer& b, std::string_view s) {
    b.commit(boost::asio::buffer_copy(b.prepare(s.size()), boost::asio::buffer(s)));
}

constexpr std::string_view k_request =
    "POST /w HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";

TEST(buffered_parse, a_whole_request_is_parsed_and_the_next_one_left_in_the_buffer) {
    beast::flat_buffer b;
    append(b, k_request);
    append(b, "POST /w HTTP/1.1\r\n");
    parser p;
    beast::error_code ec;
    ASSERT_TRUE(parse_buffered(p, b, false, ec));
    EXPECT_TRUE(p.is_header_done());
    ASSERT_TRUE(parse_buffered(p, b, true, ec));
    EXPECT_FALSE(ec);
    EXPECT_EQ(p.get().body(), "hello");
    EXPECT_EQ(beast::buffers_to_string(b.data()), "POST /w HTTP/1.1\r\n");
}

TEST(buffered_parse, a_request_cut_short_asks_for_more_without_an_error) {
    parser p;
    beast::flat_buffer b;
    beast::error_code ec;
    EXPECT_FALSE(parse_buffered(p, b, false, ec));  // nothing buffered yet
    EXPECT_FALSE(ec);
    append(b, k_request.substr(0, 20));  // inside the header
    EXPECT_FALSE(parse_buffered(p, b, false, ec));
    EXPECT_FALSE(ec);
    append(b, k_request.substr(20, k_request.size() - 22));  // all but two body bytes
    EXPECT_TRUE(parse_buffered(p, b, false, ec));
    EXPECT_FALSE(parse_buffered(p, b, true, ec));
    EXPECT_FALSE(ec);
    append(b, k_request.substr(k_request.size() - 2));
    EXPECT_TRUE(parse_buffered(p, b, true, ec));
    EXPECT_EQ(p.get().body(), "hello");
}

TEST(buffered_parse, a_malformed_request_fails_with_the_parsers_error) {
    parser p;
    beast::flat_buffer b;
    append(b, "POST /w HTTP/1.1\r\nContent-Length: x\r\n\r\n");
    beast::error_code ec;
    EXPECT_FALSE(parse_buffered(p, b, false, ec));
    EXPECT_EQ(ec, beast::http::error::bad_content_length);
}

TEST(buffered_parse, the_parsers_limits_hold) {
    parser p;
    p.body_limit(3);
    beast::flat_buffer b;
    append(b, k_request);
    beast::error_code ec;
    EXPECT_FALSE(parse_buffered(p, b, true, ec));
    EXPECT_EQ(ec, beast::http::error::body_limit);
}

}  // namespace
}  // namespace solarhook::http
