#include "solarhook/core/clock.hpp"

#include <fmt/format.h>

#include <ctime>

namespace solarhook {

std::string format_rfc3339(clock::time_point tp) {
    // fmt 9 formats system_clock time points in local time; logs must be UTC.
    const auto secs = std::chrono::floor<std::chrono::seconds>(tp);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(tp - secs).count();
    const std::time_t t = std::chrono::system_clock::to_time_t(secs);
    std::tm utc{};
    gmtime_r(&t, &utc);
    return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:06d}Z", utc.tm_year + 1900,
                       utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, micros);
}

}  // namespace solarhook
