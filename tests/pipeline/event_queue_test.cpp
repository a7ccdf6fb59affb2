#include "solarhook/pipeline/event_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "support/wait.hpp"

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

TEST(event_queue, a_reservation_dropped_unused_ends_a_closed_queues_wait) {
    event_queue q(10);
    auto r = q.try_reserve(1);
    q.close();
    std::optional<queued_event> got = ev("not yet");
    std::atomic<bool> returned{false};
    std::thread consumer([&] {
        got = q.pop();
        returned = true;
    });
    ASSERT_TRUE(test::eventually([&] { return q.waiting() == 1; }));
    r.reset();  // the slot comes back unused: nothing more can arrive
    EXPECT_TRUE(test::eventually([&] { return returned.load(); }, std::chrono::seconds(5)));
    if (!returned) {
        q.close();  // wakes it, so that the failure does not hang the suite
    }
    consumer.join();
    EXPECT_FALSE(got);
}

void fill(event_queue& q, int n) {
    auto r = q.try_reserve(static_cast<std::size_t>(n));
    ASSERT_TRUE(r);
    for (int i = 0; i < n; ++i)
        r->push(ev("e" + std::to_string(i)));
}

TEST(event_queue, stays_fifo_while_its_ring_wraps_around_and_grows) {
    // The ring starts at 16 slots. Pushing 10 and taking 8 moves its head to 8;
    // pushing 12 then wraps past the end; pushing 20 with those 12 still held
    // grows it while wrapped, and the 40 grow it again.
    event_queue q(1000);
    int next_in = 0;
    int next_out = 0;
    for (const auto& [in, out] : {std::pair{10, 8}, {12, 2}, {20, 25}, {5, 3}, {40, 30}}) {
        auto r = q.try_reserve(static_cast<std::size_t>(in));
        ASSERT_TRUE(r);
        for (int i = 0; i < in; ++i) {
            r->push(ev(std::to_string(next_in++)));
        }
        for (int i = 0; i < out; ++i) {
            auto e = q.pop();
            ASSERT_TRUE(e);
            EXPECT_EQ(e->key, std::to_string(next_out++));
        }
    }
    EXPECT_EQ(q.size(), 19u);
    for (auto& e : q.pop_batch(100, 1)) {
        EXPECT_EQ(e.key, std::to_string(next_out++));
    }
    EXPECT_EQ(next_out, next_in);
}

TEST(event_queue, a_push_that_fails_leaves_the_event_with_the_caller) {
    event_queue q(2);
    auto r = q.try_reserve(1);
    ASSERT_TRUE(r);
    auto a = ev("a-key-long-enough-for-the-heap-000000000000");
    r->push(std::move(a));
    auto b = ev("b-key-long-enough-for-the-heap-000000000000");
    EXPECT_THROW(r->push(std::move(b)), std::logic_error);  // no slot left
    EXPECT_EQ(b.key, "b-key-long-enough-for-the-heap-000000000000");
    EXPECT_EQ(q.size(), 1u);
}

TEST(event_queue, pop_batch_takes_a_fair_share_at_most_max_and_at_least_one) {
    event_queue q(1000);
    fill(q, 200);
    EXPECT_EQ(q.pop_batch(64, 2).size(), 64u);  // half of 200 is over the max
    EXPECT_EQ(q.pop_batch(64, 4).size(), 34u);  // a quarter of the 136 left
    const auto rest = q.pop_batch(1000, 1);
    ASSERT_EQ(rest.size(), 102u);
    EXPECT_EQ(rest.front().key, "e98");  // still in order
    fill(q, 1);
    EXPECT_EQ(q.pop_batch(64, 8).size(), 1u);  // a lone event is never held back
}

TEST(event_queue, pop_batch_lingers_for_a_batch_but_close_ends_the_wait) {
    event_queue q(100);
    fill(q, 1);
    std::vector<queued_event> batch;
    // Linger far beyond any test timeout: only close() can end it early.
    std::thread consumer([&] { batch = q.pop_batch(64, 1, std::chrono::hours(1)); });
    ASSERT_TRUE(test::eventually([&] { return q.lingering() == 1; }));
    EXPECT_EQ(q.size(), 1u);  // held back while it lingers
    q.close();
    ASSERT_TRUE(test::eventually([&] { return q.lingering() == 0; }));
    consumer.join();
    EXPECT_EQ(batch.size(), 1u);
    EXPECT_TRUE(q.pop_batch(64, 1).empty());  // closed and drained
}

}  // namespace
}  // namespace solarhook
