#include "solarhook/http/wire.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace solarhook::http {
namespace {

namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;

// Beast's own parser reads back what serialize_answer wrote, consuming every byte.
bhttp::response<bhttp::string_body> read_back(const std::string& bytes) {
    bhttp::response_parser<bhttp::string_body> p;
    p.eager(true);
    boost::beast::error_code ec;
    const auto used = p.put(boost::asio::buffer(bytes), ec);
    EXPECT_FALSE(ec) << ec.message() << "\n" << bytes;
    EXPECT_TRUE(p.is_done()) << bytes;
    EXPECT_EQ(used, bytes.size()) << bytes;
    return p.release();
}

TEST(wire, an_answer_reads_back_as_written) {
    struct row {
        answer a;
        const char* request_id;
    };
    std::vector<row> rows;
    rows.push_back(
        {answer{bhttp::status::ok, 11, true, R"({"status":"accepted"})", {}, 0s, {}, {}}, "r1"});
    rows.push_back(
        {answer{bhttp::status::ok, 11, false, R"({"status":"ok"})", {}, 0s, {}, {}}, "r2"});
    rows.push_back({answer{bhttp::status::ok, 10, true, "{}", {}, 0s, {}, {}}, "r3"});
    rows.push_back({answer{bhttp::status::ok, 10, false, "", {}, 0s, {}, {}}, "r4"});
    rows.push_back({answer{bhttp::status::service_unavailable,
                           11,
                           true,
                           R"({"error":"overloaded"})",
                           {},
                           5s,
                           {},
                           {}},
                    "abc-123"});
    rows.push_back(
        {answer{bhttp::status::method_not_allowed, 11, false, "{}", "POST", 0s, {}, {}}, "r6"});
    rows.push_back(
        {answer{bhttp::status::request_header_fields_too_large, 11, false, "x", {}, 0s, {}, {}},
         "r7"});
    rows.push_back({answer{bhttp::status::unauthorized,
                           11,
                           false,
                           "{}",
                           {},
                           0s,
                           R"(Bearer realm="solarhook")",
                           {}},
                    "r8"});
    rows.push_back({answer{bhttp::status::ok,
                           11,
                           true,
                           "# HELP x\n",
                           {},
                           0s,
                           {},
                           "text/plain; version=0.0.4; charset=utf-8"},
                    "r9"});

    std::string out = "left over from the last answer";
    for (const auto& [a, id] : rows) {
        serialize_answer(a, id, out);
        const auto res = read_back(out);
        EXPECT_EQ(res.result(), a.status);
        EXPECT_EQ(res.reason(), bhttp::obsolete_reason(a.status));
        EXPECT_EQ(res.version(), a.version);
        EXPECT_EQ(res.keep_alive(), a.keep_alive) << out;
        EXPECT_EQ(res.body(), a.body);
        EXPECT_EQ(res[bhttp::field::server], "solarhook");
        EXPECT_EQ(res[bhttp::field::content_type],
                  a.content_type.empty() ? "application/json" : a.content_type);
        EXPECT_EQ(res[bhttp::field::cache_control], "no-store");
        EXPECT_EQ(res[bhttp::field::content_length], std::to_string(a.body.size()));
        EXPECT_EQ(res["X-Request-Id"], id);
        EXPECT_EQ(res[bhttp::field::allow], a.allow);
        EXPECT_EQ(res[bhttp::field::www_authenticate], a.www_authenticate);
        EXPECT_EQ(res[bhttp::field::retry_after],
                  a.retry_after.count() > 0 ? std::to_string(a.retry_after.count()) : "");
    }
}

}  // namespace
}  // namespace solarhook::http
