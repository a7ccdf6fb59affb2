#include "solarhook/log/structured.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace solarhook {
namespace {

using json = nlohmann::json;
const auto k_ts = std::chrono::system_clock::time_point{std::chrono::seconds{1'700'000'000}};

TEST(structured_log, json_line_leads_with_ts_level_msg) {
    const auto line = log::render_line(log_format::json, k_ts, log::level::info, "event",
                                       {{"type", "customer_created"}, {"key", "k"}});
    EXPECT_EQ(line.rfind(R"({"ts":"2023-11-14T22:13:20.000000Z","level":"info","msg":"event",)", 0),
              0u)
        << line;
    const auto j = json::parse(line);
    EXPECT_EQ(j["type"], "customer_created");
    EXPECT_EQ(j["key"], "k");
}

TEST(structured_log, hostile_payload_cannot_break_the_line_or_throw) {
    const std::string evil = "a\r\nb\"c\x01\xff\xfe" + std::string("\xc3", 1);  // bad UTF-8
    for (auto fmt : {log_format::json, log_format::text}) {
        std::string line;
        ASSERT_NO_THROW(line = log::render_line(fmt, k_ts, log::level::warn, evil,
                                                {{"payload", evil}, {evil, 1}}));
        EXPECT_EQ(line.find('\n'), std::string::npos);
        EXPECT_EQ(line.find('\r'), std::string::npos);
        if (fmt == log_format::json) {
            EXPECT_TRUE(json::accept(line)) << line;
        }
    }
}

TEST(structured_log, text_format_is_key_value) {
    const auto line =
        log::render_line(log_format::text, k_ts, log::level::err, "handler failed", {{"n", 3}});
    EXPECT_EQ(line, "2023-11-14T22:13:20.000000Z error handler failed n=3");
}

TEST(line_lease, reuses_the_threads_buffer_and_gives_a_nested_line_its_own) {
    const char* kept = nullptr;
    {
        log::line_lease outer;
        outer.line() = "first line, long enough to be on the heap: 0123456789";
        kept = outer.line().data();
        log::line_lease inner;  // e.g. a log call made while filling a line
        EXPECT_NE(&inner.line(), &outer.line());
        EXPECT_TRUE(inner.line().empty());
    }
    log::line_lease next;
    EXPECT_TRUE(next.line().empty());
    EXPECT_EQ(next.line().data(), kept) << "the buffer (and its capacity) was not kept";
}

TEST(line_lease, does_not_keep_a_buffer_grown_past_64_kib) {
    {
        log::line_lease big;
        big.line().assign(100 * 1024, 'x');
    }
    log::line_lease next;
    EXPECT_LT(next.line().capacity(), 64u * 1024);
}

TEST(line_fields, escape_what_needs_it_and_match_render_line) {
    const std::string evil = std::string("a\"b\\c\n\x01") + "\xff";
    for (auto fmt : {log_format::json, log_format::text}) {
        std::string line;
        log::begin_line(line, fmt, k_ts, log::level::info, "m");
        log::line_fields(line, fmt)
            .num("n", std::int64_t{-3})
            .str("path", evil)
            .num("u", std::uint64_t{7})
            .num("z_max", std::numeric_limits<std::uint64_t>::max())
            .num("z_min", std::numeric_limits<std::int64_t>::min())
            .num("z_zero", std::int64_t{0});
        log::end_line(line, fmt);
        EXPECT_EQ(line, log::render_line(fmt, k_ts, log::level::info, "m",
                                         {{"path", nlohmann::json(evil)},
                                          {"n", -3},
                                          {"u", 7},
                                          {"z_max", std::numeric_limits<std::uint64_t>::max()},
                                          {"z_min", std::numeric_limits<std::int64_t>::min()},
                                          {"z_zero", 0}}));
        EXPECT_EQ(line.find('\n'), std::string::npos);
    }
    std::string line;
    log::begin_line(line, log_format::json, k_ts, log::level::info, "m");
    log::line_fields(line, log_format::json).str("path", evil);
    log::end_line(line, log_format::json);
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["path"], "a\"b\\c\n\x01\xef\xbf\xbd");  // invalid UTF-8 replaced
}

}  // namespace
}  // namespace solarhook
