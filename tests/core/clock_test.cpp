#include "solarhook/core/clock.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <limits>

#include "solarhook/core/error.hpp"

namespace solarhook {
namespace {

TEST(clock, rfc3339_is_utc_with_microseconds) {
    const auto tp = std::chrono::system_clock::time_point{std::chrono::seconds{1'700'000'000}} +
                    std::chrono::microseconds{42};
    EXPECT_EQ(format_rfc3339(tp), "2023-11-14T22:13:20.000042Z");
}

TEST(clock, rfc3339_agrees_with_gmtime_across_days_months_and_leap_years) {
    // Every 7 hours 13 minutes 17.000123 seconds from 1970 to past 2100 (not a leap year).
    const auto step =
        std::chrono::hours{7} + std::chrono::minutes{13} + std::chrono::microseconds{17'000'123};
    for (auto tp = std::chrono::system_clock::time_point{};
         tp < std::chrono::system_clock::time_point{std::chrono::seconds{4'200'000'000LL}};
         tp += step) {
        const auto secs = std::chrono::floor<std::chrono::seconds>(tp);
        const std::time_t t = std::chrono::system_clock::to_time_t(secs);
        std::tm utc{};
        gmtime_r(&t, &utc);
        char expect[96];
        std::snprintf(
            expect, sizeof expect, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", utc.tm_year + 1900,
            utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
            static_cast<long long>(
                std::chrono::duration_cast<std::chrono::microseconds>(tp - secs).count()));
        ASSERT_EQ(format_rfc3339(tp), expect);
    }
    std::string line = "ts=";
    append_rfc3339(line, std::chrono::system_clock::time_point{std::chrono::seconds{951'782'400}});
    EXPECT_EQ(line, "ts=2000-02-29T00:00:00.000000Z");
}

TEST(clock, unix_ms_round_trips_and_saturates_past_the_clocks_range) {
    using namespace std::chrono;
    for (const std::int64_t ms : {std::int64_t{0}, std::int64_t{1'700'000'000'123},
                                  std::int64_t{-1}, std::int64_t{-86'400'000}}) {
        EXPECT_EQ(to_unix_ms(from_unix_ms(ms)), ms);
    }
    // "Never expires" rows and damaged ones: no overflow (UBSan checks), just the ends.
    constexpr std::int64_t last = 9'223'372'036'854;  // 2262-04-11, in nanoseconds' range
    EXPECT_EQ(to_unix_ms(from_unix_ms(last)), last);
    EXPECT_EQ(to_unix_ms(from_unix_ms(99'999'999'999'999)), last);
    EXPECT_EQ(to_unix_ms(from_unix_ms(std::numeric_limits<std::int64_t>::max())), last);
    EXPECT_EQ(to_unix_ms(from_unix_ms(std::numeric_limits<std::int64_t>::min())), -last);
    EXPECT_EQ(to_unix_ms(clock::time_point{milliseconds{5} + microseconds{999}}), 5);
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
