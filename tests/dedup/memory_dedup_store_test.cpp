#include "solarhook/dedup/memory_dedup_store.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <random>
#include <set>
#include <vector>

#include "solarhook/dedup/dedup_key.hpp"
#include "support/together.hpp"

namespace solarhook {
namespace {

using namespace std::chrono_literals;

TEST(memory_dedup_store, second_mark_is_a_duplicate_until_the_ttl_passes) {
    manual_clock clk;
    memory_dedup_store s(clk, 24h, 100);
    EXPECT_EQ(s.try_mark("k"), mark_result::marked);
    EXPECT_EQ(s.try_mark("k"), mark_result::duplicate);
    clk.advance(24h - 1s);
    EXPECT_EQ(s.try_mark("k"), mark_result::duplicate);
    clk.advance(1s);
    EXPECT_EQ(s.try_mark("k"), mark_result::marked);  // expired: a new delivery
    EXPECT_EQ(s.stats().expired, 1u);
}

TEST(memory_dedup_store, expired_keys_are_purged_incrementally) {
    manual_clock clk;
    memory_dedup_store s(clk, 1h, 1000);
    for (int i = 0; i < 100; ++i) {
        s.try_mark("old" + std::to_string(i));
    }
    clk.advance(2h);
    EXPECT_EQ(s.stats().live, 100u);
    s.try_mark("new");  // each call purges a few
    const auto after_one = s.stats().live;
    EXPECT_LT(after_one, 101u);
    EXPECT_GT(after_one, 1u);  // ...but not all at once
    for (int i = 0; i < 20; ++i) {
        s.try_mark("new" + std::to_string(i));
    }
    EXPECT_EQ(s.stats().live, 21u);
    EXPECT_EQ(s.stats().expired, 100u);
}

TEST(memory_dedup_store, bound_evicts_the_earliest_expiring_first) {
    manual_clock clk;
    memory_dedup_store s(clk, 1h, 3);
    s.try_mark("a");
    clk.advance(1s);
    s.try_mark("b");
    clk.advance(1s);
    s.try_mark("c");
    clk.advance(1s);
    s.try_mark("d");  // evicts a
    EXPECT_EQ(s.stats().live, 3u);
    EXPECT_EQ(s.stats().evicted, 1u);
    EXPECT_EQ(s.try_mark("b"), mark_result::duplicate);
    EXPECT_EQ(s.try_mark("d"), mark_result::duplicate);
    EXPECT_EQ(s.try_mark("a"), mark_result::marked);  // it was evicted; now evicts b
    EXPECT_EQ(s.try_mark("c"), mark_result::duplicate);
}

TEST(memory_dedup_store, unmark_forgets_a_key) {
    manual_clock clk;
    memory_dedup_store s(clk, 1h, 10);
    s.try_mark("k");
    s.unmark("k");
    EXPECT_EQ(s.try_mark("k"), mark_result::marked);
    EXPECT_EQ(s.try_mark("k"), mark_result::duplicate);
    EXPECT_EQ(s.stats().live, 1u);
}

TEST(memory_dedup_store, wall_clock_stepping_back_keeps_expiry_order) {
    manual_clock clk;
    const auto t0 = clk.now();
    memory_dedup_store s(clk, 1h, 2);
    clk.set(t0 + 1h);
    s.try_mark("a");  // expires t0+2h
    clk.set(t0);      // NTP steps the clock back an hour
    s.try_mark("b");  // would expire t0+1h; kept in order behind "a"
    s.try_mark("c");  // full: the earliest-expiring ("a") goes first, never "b"
    EXPECT_EQ(s.stats().evicted, 1u);
    EXPECT_EQ(s.try_mark("b"), mark_result::duplicate);
    EXPECT_EQ(s.try_mark("c"), mark_result::duplicate);
}

TEST(memory_dedup_store, concurrent_identical_marks_succeed_exactly_once) {
    manual_clock clk;
    memory_dedup_store s(clk, 1h, 1000);
    for (int round = 0; round < 20; ++round) {
        const std::string key = "same-" + std::to_string(round);
        std::atomic<int> marked{0};
        test::run_together(50, [&] {
            if (s.try_mark(key) == mark_result::marked) {
                ++marked;
            }
        });
        EXPECT_EQ(marked.load(), 1) << key;
    }
}

// A default-shaped key (64 hex) whose digest starts with `home` and carries `id`
// after it: its index slot is home & mask, so tests can make keys collide.
std::string colliding_key(unsigned home, unsigned id) {
    return fmt::format("{:02x}00000000000000{:016x}", home, id) + std::string(32, '0');
}

TEST(memory_dedup_store, unmarking_the_newest_keys_gives_their_room_back) {
    manual_clock clk;
    memory_dedup_store s(clk, 24h, 1000);
    std::vector<std::string> keys;
    for (int i = 0; i < 100; ++i) {
        keys.push_back("rolled-back-" + std::to_string(i));
        s.try_mark(keys.back());
    }
    // A rolled-back batch undoes its marks newest first.
    for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
        s.unmark(*it);
    }
    EXPECT_EQ(s.stats().live, 0u);
    EXPECT_EQ(s.stats().held, 0u);
    // In any order, the dead entries go once the newest one is gone.
    s.try_mark("a");
    s.try_mark("b");
    s.unmark("a");
    EXPECT_EQ(s.stats().held, 2u);
    s.unmark("b");
    EXPECT_EQ(s.stats().held, 0u);
}

TEST(memory_dedup_store, colliding_keys_stay_found_when_others_in_their_run_go) {
    manual_clock clk;
    // 8 keys: an index of 16 slots. Homes 15, 15, 0, 15, 1 wrap around its end.
    memory_dedup_store s(clk, 24h, 8);
    const std::vector<std::string> k{colliding_key(15, 1), colliding_key(15, 2),
                                     colliding_key(0, 3),  colliding_key(15, 4),
                                     colliding_key(1, 5),  colliding_key(14, 6)};
    for (const auto& key : k) {
        ASSERT_EQ(s.try_mark(key), mark_result::marked);
    }
    s.unmark(k[0]);
    s.unmark(k[2]);
    EXPECT_EQ(s.try_mark(k[1]), mark_result::duplicate);
    EXPECT_EQ(s.try_mark(k[3]), mark_result::duplicate);
    EXPECT_EQ(s.try_mark(k[4]), mark_result::duplicate);
    EXPECT_EQ(s.try_mark(k[5]), mark_result::duplicate);
    EXPECT_EQ(s.try_mark(k[0]), mark_result::marked);
    EXPECT_EQ(s.try_mark(k[2]), mark_result::marked);
    EXPECT_EQ(s.stats().live, 6u);
}

TEST(memory_dedup_store, agrees_with_a_plain_set_under_random_marks_and_rollbacks) {
    manual_clock clk;
    memory_dedup_store s(clk, 24h, 24);
    std::mt19937 rng(12345);
    std::set<std::string> model;
    std::vector<std::string> newest;  // marked and not yet unmarked, oldest first
    for (int step = 0; step < 20'000; ++step) {
        // 24 keys crowded into homes 62, 63, 0, 1 of a 64-slot index.
        const auto id = static_cast<unsigned>(rng() % 24);
        const std::string key = colliding_key((62 + id % 4) & 63, id);
        if (rng() % 3 == 0 && !newest.empty()) {
            s.unmark(newest.back());
            model.erase(newest.back());
            newest.pop_back();
            continue;
        }
        const auto expected = model.count(key) ? mark_result::duplicate : mark_result::marked;
        ASSERT_EQ(s.try_mark(key), expected) << "step " << step;
        if (expected == mark_result::marked) {
            model.insert(key);
            newest.push_back(key);
        }
        ASSERT_EQ(s.stats().live, model.size());
    }
    EXPECT_EQ(s.stats().evicted, 0u);
}

TEST(memory_dedup_store, a_key_costs_at_most_48_bytes_at_the_default_bound) {
    EXPECT_LE(memory_dedup_store::bytes_per_key(1'000'000), 48.0);
    EXPECT_GT(memory_dedup_store::bytes_per_key(1'000'000), 24.0);  // a digest and an expiry
}

}  // namespace
}  // namespace solarhook

namespace solarhook {
namespace {

TEST(digest_key, a_default_key_is_its_own_sha256_prefix) {
    const std::string key = sha256_hex("customer_created\n{}");
    const auto full = sha256("customer_created\n{}");
    const auto d = digest_key(key);
    EXPECT_TRUE(std::equal(d.begin(), d.end(), full.begin()));
}

TEST(digest_key, other_keys_are_hashed_and_stay_distinct) {
    const std::string hex = sha256_hex("x");
    std::string upper = hex;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    std::string not_hex = hex;
    not_hex[63] = 'g';  // 64 characters, one of them not hex: hashed
    const auto full = sha256("project_email_sent:54321_email_sent");
    const auto d = digest_key("project_email_sent:54321_email_sent");
    EXPECT_TRUE(std::equal(d.begin(), d.end(), full.begin()));
    EXPECT_NE(digest_key(upper), digest_key(hex));
    EXPECT_NE(digest_key(not_hex), digest_key(hex));
    const auto nh = sha256(not_hex);
    const auto dn = digest_key(not_hex);
    EXPECT_TRUE(std::equal(dn.begin(), dn.end(), nh.begin()));
}

TEST(memory_dedup_store, template_and_hash_keys_are_marked_apart) {
    manual_clock clk;
    memory_dedup_store store(clk, std::chrono::hours(24), 10);
    EXPECT_EQ(store.try_mark("project_sms_sent:1_sms_sent"), mark_result::marked);
    EXPECT_EQ(store.try_mark(sha256_hex("a")), mark_result::marked);
    EXPECT_EQ(store.try_mark("project_sms_sent:1_sms_sent"), mark_result::duplicate);
    EXPECT_EQ(store.try_mark(sha256_hex("a")), mark_result::duplicate);
    EXPECT_EQ(store.try_mark("project_sms_sent:2_sms_sent"), mark_result::marked);
}

}  // namespace
}  // namespace solarhook
