#include "solarhook/dedup/memory_dedup_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>

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
