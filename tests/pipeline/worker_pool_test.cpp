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
