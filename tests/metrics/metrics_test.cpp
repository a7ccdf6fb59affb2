#include "solarhook/metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace solarhook::metrics {
namespace {

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(metrics, a_histogram_is_cumulative_and_its_count_is_the_inf_bucket) {
    histogram h({0.001, 0.01, 1});
    for (double v : {0.0005, 0.001, 0.002, 0.5, 3.0}) {
        h.observe(v);
    }
    const auto m = h.collect();
    ASSERT_EQ(m.histogram.bucket.size(), 4u);
    EXPECT_EQ(m.histogram.bucket[0].cumulative_count, 2u);  // le is inclusive
    EXPECT_EQ(m.histogram.bucket[1].cumulative_count, 3u);
    EXPECT_EQ(m.histogram.bucket[2].cumulative_count, 4u);
    EXPECT_EQ(m.histogram.bucket[3].cumulative_count, 5u);
    EXPECT_EQ(m.histogram.sample_count, 5u);
    EXPECT_DOUBLE_EQ(m.histogram.sample_sum, 3.5035);
}

TEST(metrics, concurrent_observers_lose_nothing) {
    histogram h({1});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10'000; ++i) {
                h.observe(0.5);
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(h.count(), 40'000u);
    EXPECT_DOUBLE_EQ(h.collect().histogram.sample_sum, 20'000);
}

TEST(metrics, requests_events_and_snapshot_values_reach_the_text) {
    set_enabled(true);
    registry r;
    r.request(route_label::webhook, 200, 0.002);
    r.request(route_label::webhook, 200, 0.002);
    r.request(route_label::other, 418, 0.001);  // a status solarhook never sends: "other"
    r.request(route_label::healthz, 200, 0.001);
    r.event("customer_created", event_result::accepted);
    r.event("contract_signed", event_result::unclassified);
    r.commit(0.0003, 12);
    snapshot s;
    s.queue_capacity = 10'000;
    s.store_healthy = false;
    s.sinks.push_back({"crm", 5, 2, 1, 3, 42.5});
    const auto text = r.scrape(s);
    EXPECT_TRUE(has_line(text, R"(solarhook_http_requests_total{code="200",route="webhook"} 2)"))
        << text;
    EXPECT_TRUE(has_line(text, R"(solarhook_http_requests_total{code="other",route="other"} 1)"));
    EXPECT_TRUE(
        has_line(text, R"(solarhook_events_total{result="accepted",type="customer_created"} 1)"));
    EXPECT_TRUE(
        has_line(text, R"(solarhook_events_total{result="unclassified",type="unclassified"} 1)"));
    EXPECT_TRUE(has_line(text, "solarhook_ack_seconds_count 2"));  // webhook requests only
    EXPECT_TRUE(has_line(text, "solarhook_store_commit_batch_size_sum 12"));
    EXPECT_TRUE(has_line(text, "solarhook_queue_capacity 10000"));
    EXPECT_TRUE(has_line(text, "solarhook_store_healthy 0"));
    EXPECT_TRUE(has_line(text, R"(solarhook_deliveries_total{outcome="dead",sink="crm"} 1)"));
    EXPECT_TRUE(has_line(text, R"(solarhook_retries_scheduled_total{stage="delivery"} 2)"));
    EXPECT_TRUE(has_line(text, R"(solarhook_delivery_oldest_pending_seconds{sink="crm"} 42.5)"));
    EXPECT_TRUE(has_line(text, R"(solarhook_build_info{version=")" SOLARHOOK_VERSION R"("} 1)"));
}

TEST(metrics, disabled_counts_nothing) {
    registry r;
    set_enabled(false);
    r.request(route_label::webhook, 200, 0.002);
    r.event("customer_created", event_result::accepted);
    set_enabled(true);
    const auto text = r.scrape({});
    EXPECT_EQ(text.find("solarhook_http_requests_total{"), std::string::npos);
    EXPECT_TRUE(has_line(text, "solarhook_ack_seconds_count 0"));
}

}  // namespace
}  // namespace solarhook::metrics
