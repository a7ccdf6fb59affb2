#include "solarhook/core/clock.hpp"

#include <gtest/gtest.h>

#include "solarhook/core/error.hpp"

namespace solarhook {
namespace {

TEST(clock, rfc3339_is_utc_with_microseconds) {
    const auto tp = std::chrono::system_clock::time_point{std::chrono::seconds{1'700'000'000}} +
                    std::chrono::microseconds{42};
    EXPECT_EQ(format_rfc3339(tp), "2023-11-14T22:13:20.000042Z");
}

TEST(clock, manual_clock_moves_only_when_told) {
    manual_clock c;
    const auto t0 = c.now();
    EXPECT_EQ(c.now(), t0);
    c.advance(std::chrono::hours{25});
    EXPECT_EQ(c.now() - t0, std::chrono::hours{25});
}

TEST(error, every_code_has_a_stable_name) {
    EXPECT_EQ(code_name(errc::malformed_json), "malformed_json");
    EXPECT_EQ(code_name(errc::invalid_event), "invalid_event");
    EXPECT_EQ(code_name(errc::overloaded), "overloaded");
}

}  // namespace
}  // namespace solarhook
