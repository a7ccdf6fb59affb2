#include "solarhook/inbox/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace solarhook {

std::chrono::milliseconds retry_policy::delay(int failed_attempts, double unit) const noexcept {
    const int exponent = std::clamp(failed_attempts - 1, 0, 62);
    const double step = std::min(static_cast<double>(max_delay.count()),
                                 static_cast<double>(initial.count()) * std::ldexp(1.0, exponent));
    const double jittered = step / 2 + step / 2 * std::clamp(unit, 0.0, 1.0);
    return std::chrono::milliseconds{static_cast<std::int64_t>(jittered)};
}

bool retry_policy::give_up(int failed_attempts, std::chrono::milliseconds age) const noexcept {
    return failed_attempts >= max_attempts || age >= max_age;
}

}  // namespace solarhook
