#include "solarhook/sinks/log_sink.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "solarhook/decode/decoder.hpp"
#include "support/log_capture.hpp"

namespace solarhook {
namespace {

queued_event make(const std::string& body) {
    auto r = decode_body(body, std::nullopt, decode_limits{});
    queued_event q;
    q.event = std::get<std::vector<decoded_event>>(r).at(0);
    q.key = "k1";
    q.request_id = "r1";
    return q;
}

TEST(log_sink, writes_exactly_one_json_line_per_event_with_typed_fields) {
    test::log_capture logs;
    log_sink sink;
    ASSERT_TRUE(
        sink.deliver(make(R"({"pkcustomerquotationid":"7","quotenickname":"x\ny","zz":1})")));
    const auto recs = logs.sink->records();
    ASSERT_EQ(recs.size(), 1u);
    const auto& r = recs[0];
    EXPECT_EQ(r["level"], "info");
    EXPECT_EQ(r["msg"], "event");
    EXPECT_EQ(r["type"], "recent_draft_project");
    EXPECT_EQ(r["key"], "k1");
    EXPECT_EQ(r["event"]["pkcustomerquotationid"], 7);  // typed: the digit string became a number
    EXPECT_EQ(r["event"]["quotenickname"], "x\ny");
    EXPECT_EQ(r["extra"]["zz"], 1);
    EXPECT_TRUE(r["ts"].is_string());
    EXPECT_EQ(logs.sink->lines()[0].find('\n'), std::string::npos);
}

TEST(log_sink, the_line_carries_exactly_these_fields) {
    test::log_capture logs;
    log_sink sink;
    const auto keys = [](const nlohmann::json& r) {
        std::vector<std::string> k;
        for (const auto& [name, v] : r.items())
            k.push_back(name);
        return k;
    };
    const auto typed = make(R"({"pkcustomerid":1,"customer_status":2,"odd":"\u00e9\"q"})");
    ASSERT_TRUE(sink.deliver(typed));
    const auto r1 = logs.sink->records().back();
    EXPECT_EQ(keys(r1), (std::vector<std::string>{"event", "extra", "key", "level", "msg",
                                                  "request_id", "ts", "type"}));
    EXPECT_EQ(r1["event"], nlohmann::json::parse(typed_json(typed.event.data)));
    EXPECT_EQ(r1["extra"]["odd"], "\u00e9\"q");
    ASSERT_TRUE(sink.deliver(make(R"({"contract":{"id":5}})")));  // unclassified: raw, no extra
    EXPECT_EQ(
        keys(logs.sink->records().back()),
        (std::vector<std::string>{"event", "key", "level", "msg", "request_id", "ts", "type"}));
}

TEST(log_sink, unclassified_events_log_their_raw_payload) {
    test::log_capture logs;
    log_sink sink;
    sink.deliver(make(R"({"contract":{"id":5}})"));
    EXPECT_EQ(logs.sink->records().at(0)["event"]["contract"]["id"], 5);
}

}  // namespace
}  // namespace solarhook
