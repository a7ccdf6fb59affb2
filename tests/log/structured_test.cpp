#include "solarhook/log/structured.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace solarhook
