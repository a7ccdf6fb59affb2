#include "solarhook/security/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace solarhook::security {
namespace {

using namespace std::chrono_literals;
using tp = rate_limiter::time_point;

ip_bytes ip(unsigned n) {
    ip_bytes b{};
    b[10] = b[11] = 0xFF;
    b[12] = 10;
    b[13] = static_cast<std::uint8_t>(n >> 16);
    b[14] = static_cast<std::uint8_t>(n >> 8);
    b[15] = static_cast<std::uint8_t>(n);
    return b;
}

TEST(rate_limiter, off_by_default_admits_everything_and_tracks_nobody) {
    rate_limiter r({});
    const tp t0{};
    for (int i = 0; i < 1000; ++i) {
        EXPECT_TRUE(r.admit(ip(1), t0).allowed);
    }
    EXPECT_EQ(r.tracked(), 0u);
}

TEST(rate_limiter, a_bucket_allows_its_burst_then_the_rate_and_says_when_to_return) {
    rate_limiter r({2, 5, 30, 100});
    const tp t0{};
    for (int i = 0; i < 5; ++i) {
        EXPECT_TRUE(r.admit(ip(1), t0).allowed) << i;
    }
    const auto refused = r.admit(ip(1), t0);
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.retry_after, 1s);
    EXPECT_FALSE(refused.locked_out);
    EXPECT_TRUE(r.admit(ip(2), t0).allowed);          // another address has its own bucket
    EXPECT_TRUE(r.admit(ip(1), t0 + 500ms).allowed);  // 2/s: one token back after 0.5 s
    EXPECT_FALSE(r.admit(ip(1), t0 + 500ms).allowed);
    EXPECT_EQ(r.refused(), 2u);
}

TEST(rate_limiter, failed_authentication_past_the_limit_locks_the_address_out_for_a_minute) {
    rate_limiter r({0, 0, 3, 100});
    const tp t0{};
    EXPECT_FALSE(r.auth_failed(ip(1), t0));
    EXPECT_FALSE(r.auth_failed(ip(1), t0));
    EXPECT_FALSE(r.auth_failed(ip(1), t0));
    EXPECT_TRUE(r.admit(ip(1), t0).allowed);
    EXPECT_TRUE(r.auth_failed(ip(1), t0));  // the fourth in a minute
    const auto v = r.admit(ip(1), t0 + 1s);
    EXPECT_FALSE(v.allowed);
    EXPECT_TRUE(v.locked_out);
    EXPECT_EQ(v.retry_after, 59s);
    EXPECT_TRUE(r.admit(ip(2), t0 + 1s).allowed);
    EXPECT_FALSE(r.admit(ip(1), t0 + 59s).allowed);
    EXPECT_TRUE(r.admit(ip(1), t0 + 60s).allowed);
}

TEST(rate_limiter, failures_spread_over_time_never_lock) {
    rate_limiter r({0, 0, 6, 100});  // one failure back every 10 s
    tp t{};
    for (int i = 0; i < 100; ++i, t += 10s) {
        EXPECT_FALSE(r.auth_failed(ip(1), t)) << i;
    }
}

TEST(rate_limiter, the_table_is_bounded_by_forgetting_the_least_recently_seen) {
    rate_limiter r({1, 1, 30, 16});
    const tp t0{};
    EXPECT_TRUE(r.admit(ip(0), t0).allowed);
    EXPECT_FALSE(r.admit(ip(0), t0).allowed);
    for (unsigned i = 1; i < 100'000; ++i) {
        r.admit(ip(i), t0);
        ASSERT_LE(r.tracked(), 16u);
    }
    EXPECT_TRUE(r.admit(ip(0), t0).allowed);  // forgotten: a fresh bucket
}

}  // namespace
}  // namespace solarhook::security
