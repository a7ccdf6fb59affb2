#include "solarhook/inbox/retry_policy.hpp"

#include <gtest/gtest.h>

namespace solarhook {
namespace {

using namespace std::chrono_literals;

TEST(retry_policy, doubles_from_initial_with_jitter_in_the_upper_half) {
    retry_policy p;  // 1 s initial, 1 h cap
    EXPECT_EQ(p.delay(1, 0.0), 500ms);
    EXPECT_EQ(p.delay(1, 0.999999), 999ms);
    EXPECT_EQ(p.delay(2, 0.0), 1000ms);
    EXPECT_EQ(p.delay(3, 0.0), 2000ms);
    EXPECT_EQ(p.delay(4, 1.0), 8000ms);
}

TEST(retry_policy, is_capped) {
    retry_policy p;
    EXPECT_EQ(p.delay(40, 1.0), 3600s);
    EXPECT_EQ(p.delay(1000, 0.0), 1800s);
    EXPECT_GE(p.delay(0, 0.0), 500ms);  // nonsense input stays sane
}

TEST(retry_policy, gives_up_on_attempts_or_age) {
    retry_policy p;
    EXPECT_FALSE(p.give_up(9, 1h));
    EXPECT_TRUE(p.give_up(10, 1h));
    EXPECT_TRUE(p.give_up(1, 24h));
    EXPECT_FALSE(p.give_up(1, 24h - 1ms));
}

}  // namespace
}  // namespace solarhook
