#include "solarhook/ingest/ingest_service.hpp"

#include <gtest/gtest.h>

#include "solarhook/dedup/memory_dedup_store.hpp"
#include "solarhook/inbox/memory_inbox.hpp"
#include "support/test_service.hpp"
#include "support/together.hpp"

namespace solarhook {
namespace {

using namespace std::chrono_literals;

struct fixture {
    explicit fixture(config c = config{})
        : cfg(std::move(c)),
          dedup(clk, 24h, 1000),
          queue(cfg.queue_capacity),
          box(dedup, queue, clk),
          ingest(cfg, box) {}
    config cfg;
    manual_clock clk;
    memory_dedup_store dedup;
    event_queue queue;
    memory_inbox box;
    ingest_service ingest;

    // The memory inbox answers before ingest() returns; anything else is a bug here.
    ingest_outcome send(const std::string& body,
                        std::optional<std::string_view> url = std::nullopt) {
        std::optional<ingest_outcome> out;
        ingest.ingest(ingest_request{body, url, std::nullopt, "req"},
                      [&](ingest_outcome o) { out = std::move(o); });
        EXPECT_TRUE(out.has_value());
        return out ? std::move(*out) : ingest_outcome{problem{errc::empty_body, "no answer"}};
    }
};

const std::string k_draft = R"({"pkcustomerquotationid":1})";

TEST(ingest_service, accepts_then_reports_duplicates) {
    fixture f;
    auto first = std::get<std::vector<ingested_event>>(f.send(k_draft));
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].result, ingest_result::accepted);
    EXPECT_EQ(first[0].type, "recent_draft_project");
    auto again = std::get<std::vector<ingested_event>>(f.send(k_draft));
    EXPECT_EQ(again[0].result, ingest_result::duplicate);
    EXPECT_EQ(again[0].key, first[0].key);
    EXPECT_EQ(f.queue.size(), 1u);
}

TEST(ingest_service, dedup_expires_after_the_ttl) {
    fixture f;
    f.send(k_draft);
    f.clk.advance(24h);
    auto later = std::get<std::vector<ingested_event>>(f.send(k_draft));
    EXPECT_EQ(later[0].result, ingest_result::accepted);
    EXPECT_EQ(f.queue.size(), 2u);
}

TEST(ingest_service, full_queue_refuses_the_whole_body_and_leaves_no_mark) {
    config c;
    c.queue_capacity = 2;
    c.limits.max_events_per_request = 2;
    fixture f(c);
    f.send(R"({"pkcustomerquotationid":10})");
    const std::string pair = R"([{"pkcustomerquotationid":11},{"pkcustomerquotationid":12}])";
    auto refused = f.send(pair);
    ASSERT_TRUE(std::holds_alternative<problem>(refused));
    EXPECT_EQ(std::get<problem>(refused).code, errc::overloaded);
    EXPECT_EQ(f.dedup.stats().live, 1u);  // neither 11 nor 12 was marked
    EXPECT_EQ(f.queue.size(), 1u);
    // Once there is room, the same body is accepted, not a duplicate.
    f.queue.pop();
    auto ok = std::get<std::vector<ingested_event>>(f.send(pair));
    EXPECT_EQ(ok[0].result, ingest_result::accepted);
    EXPECT_EQ(ok[1].result, ingest_result::accepted);
}

TEST(ingest_service, duplicates_inside_one_body_are_detected) {
    fixture f;
    auto r = std::get<std::vector<ingested_event>>(f.send("[" + k_draft + "," + k_draft + "]"));
    EXPECT_EQ(r[0].result, ingest_result::accepted);
    EXPECT_EQ(r[1].result, ingest_result::duplicate);
    EXPECT_EQ(f.queue.size(), 1u);
    EXPECT_FALSE(f.queue.full());  // the duplicate's slot went back
}

TEST(ingest_service, unknown_events_are_kept_or_rejected_by_policy) {
    fixture keep;
    auto kept =
        std::get<std::vector<ingested_event>>(keep.send(R"({"contract":1})", "contract_signed"));
    EXPECT_EQ(kept[0].result, ingest_result::unclassified);
    EXPECT_EQ(kept[0].type, "contract_signed");
    // Both stores quarantine it: no sink sees an event it cannot act on yet.
    EXPECT_EQ(keep.queue.size(), 0u);
    EXPECT_EQ(keep.dedup.stats().live, 1u);  // a re-delivery is still a duplicate
    EXPECT_EQ(
        std::get<std::vector<ingested_event>>(keep.send(R"({"contract":1})", "contract_signed"))[0]
            .result,
        ingest_result::duplicate);

    config c;
    c.unknown_events = unknown_event_policy::reject;
    fixture reject(c);
    auto refused = reject.send(R"({"contract":1})");
    EXPECT_EQ(std::get<problem>(refused).code, errc::unknown_event);
    EXPECT_EQ(reject.queue.size(), 0u);
    EXPECT_EQ(reject.dedup.stats().live, 0u);
}

TEST(ingest_service, invalid_body_stores_nothing) {
    fixture f;
    auto r = f.send(R"([{"pkcustomerquotationid":1},{"pkcustomerquotationid":"x"}])");
    EXPECT_EQ(std::get<problem>(r).code, errc::invalid_event);
    EXPECT_EQ(f.queue.size(), 0u);
    EXPECT_EQ(f.dedup.stats().live, 0u);
}

TEST(ingest_service, draining_refuses_and_is_not_ready) {
    fixture f;
    EXPECT_TRUE(f.ingest.ready());
    f.ingest.begin_draining();
    EXPECT_FALSE(f.ingest.ready());
    EXPECT_EQ(std::get<problem>(f.send(k_draft)).code, errc::draining);
}

TEST(ingest_service, fifty_concurrent_identical_deliveries_enqueue_once) {
    fixture f;
    std::atomic<int> accepted{0};
    std::atomic<int> duplicate{0};
    test::run_together(50, [&] {
        auto r = std::get<std::vector<ingested_event>>(f.send(k_draft));
        ++(r[0].result == ingest_result::accepted ? accepted : duplicate);
    });
    EXPECT_EQ(accepted.load(), 1);
    EXPECT_EQ(duplicate.load(), 49);
    EXPECT_EQ(f.queue.size(), 1u);
}

}  // namespace
}  // namespace solarhook
