#include "solarhook/pipeline/worker_pool.hpp"

#include <gtest/gtest.h>

#include "support/log_capture.hpp"
#include "support/test_service.hpp"

namespace solarhook {
namespace {

using namespace std::chrono_literals;

void enqueue(event_queue& q, const std::string& type, int n) {
    auto r = q.try_reserve(n);
    ASSERT_TRUE(r);
    for (int i = 0; i < n; ++i) {
        queued_event e;
        e.event.type_label = type;
        e.key = type + std::to_string(i);
        r->push(std::move(e));
    }
}

TEST(worker_pool, a_throwing_handler_is_caught_logged_counted_and_the_worker_survives) {
    test::log_capture logs;
    event_queue q(100);
    auto rec = std::make_shared<test::recording_handler>();
    rec->throw_on("bad");
    worker_pool pool(q, {rec}, 1);
    pool.start();
    enqueue(q, "bad", 3);
    enqueue(q, "good", 2);
    ASSERT_TRUE(rec->wait_count(2));
    const auto report = pool.stop(5s);
    EXPECT_TRUE(report.complete);
    EXPECT_EQ(pool.processed(), 2u);
    EXPECT_EQ(pool.failed(), 3u);
    EXPECT_EQ(rec->failures(), 3u);
    EXPECT_EQ(logs.count("handler failed"), 3u);
}

// A sink that buffers: it fails its flush on demand and records the order of
// deliveries, flushes and completions.
class buffering_handler final : public handler {
  public:
    std::string_view name() const override { return "buffering"; }
    std::vector<std::string> trace;
    bool fail_flush = false;

  protected:
    void handle_(const queued_event& ev) override { trace.push_back("deliver " + ev.key); }
    void flush_() override {
        trace.push_back("flush");
        if (fail_flush)
            throw std::runtime_error("disk gone");
    }
};

TEST(worker_pool, a_batch_is_flushed_before_any_of_it_is_reported_and_a_failed_flush_fails_it) {
    test::log_capture logs;
    for (const bool fail : {false, true}) {
        event_queue q(100);
        auto h = std::make_shared<buffering_handler>();
        h->fail_flush = fail;
        std::vector<std::string> outcomes;
        worker_pool pool(q, {h}, 1, [&](const queued_event& ev, const std::string* error) {
            h->trace.push_back("done " + ev.key);
            outcomes.push_back(error == nullptr ? "ok" : *error);
        });
        enqueue(q, "e", 3);  // queued before the worker starts: one batch
        pool.start();
        ASSERT_TRUE(pool.stop(5s).complete);
        const std::vector<std::string> want{"deliver e0", "deliver e1", "deliver e2", "flush",
                                            "done e0",    "done e1",    "done e2"};
        EXPECT_EQ(h->trace, want);
        ASSERT_EQ(outcomes.size(), 3u);
        for (const auto& o : outcomes) {
            EXPECT_EQ(o, fail ? "buffering: disk gone" : "ok");
        }
        EXPECT_EQ(pool.failed(), fail ? 3u : 0u);
    }
    EXPECT_EQ(logs.count("handler flush failed"), 1u);
}

TEST(worker_pool, stop_drains_the_queue_before_returning) {
    event_queue q(100);
    auto rec = std::make_shared<test::recording_handler>();
    worker_pool pool(q, {rec}, 2);
    enqueue(q, "x", 50);
    pool.start();
    const auto report = pool.stop(10s);
    EXPECT_TRUE(report.complete);
    EXPECT_EQ(rec->count(), 50u);
}

TEST(worker_pool, stop_reports_what_a_stuck_handler_left_behind) {
    event_queue q(100);
    auto rec = std::make_shared<test::recording_handler>(/*gated=*/true);
    worker_pool pool(q, {rec}, 1);
    pool.start();
    enqueue(q, "x", 4);
    ASSERT_TRUE(rec->wait_entered(1));
    const auto report = pool.stop(50ms);
    EXPECT_FALSE(report.complete);
    EXPECT_EQ(report.in_progress, 1u);
    EXPECT_EQ(report.left_queued, 3u);
    rec->open_gate();  // the destructor joins once the handler lets go
}

}  // namespace
}  // namespace solarhook
