#include "solarhook/pipeline/event_queue.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace solarhook {
namespace {

queued_event ev(std::string key) {
    queued_event e;
    e.key = std::move(key);
    return e;
}

TEST(event_queue, reservations_respect_the_bound_and_count_refusals) {
    event_queue q(3);
    auto r1 = q.try_reserve(2);
    ASSERT_TRUE(r1);
    EXPECT_FALSE(q.try_reserve(2));
    auto r2 = q.try_reserve(1);
    ASSERT_TRUE(r2);
    EXPECT_TRUE(q.full());
    EXPECT_FALSE(q.try_reserve(1));
    EXPECT_EQ(q.refused(), 2u);
    r1->push(ev("a"));
    r1->push(ev("b"));
    r2->push(ev("c"));
    EXPECT_EQ(q.size(), 3u);
    EXPECT_THROW(r2->push(ev("d")), std::logic_error);
}

TEST(event_queue, unused_slots_return_when_the_reservation_ends) {
    event_queue q(2);
    {
        auto r = q.try_reserve(2);
        ASSERT_TRUE(r);
        r->push(ev("a"));
    }
    EXPECT_FALSE(q.full());
    EXPECT_TRUE(q.try_reserve(1));
}

TEST(event_queue, pop_is_fifo_and_close_lets_consumers_drain) {
    event_queue q(10);
    {
        auto r = q.try_reserve(2);
        r->push(ev("a"));
        r->push(ev("b"));
    }
    q.close();
    EXPECT_FALSE(q.try_reserve(1));
    EXPECT_EQ(q.pop()->key, "a");
    EXPECT_EQ(q.pop()->key, "b");
    EXPECT_FALSE(q.pop());
}

TEST(event_queue, close_waits_for_outstanding_reservations) {
    event_queue q(10);
    auto r = q.try_reserve(1);
    q.close();
    std::thread producer([&] { r->push(ev("late")); });
    auto got = q.pop();  // must not return empty while a reserved push is pending
    producer.join();
    ASSERT_TRUE(got);
    EXPECT_EQ(got->key, "late");
}

}  // namespace
}  // namespace solarhook
