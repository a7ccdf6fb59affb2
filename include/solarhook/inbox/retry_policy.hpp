// When a failed event is tried again: exponential backoff from `initial`,
// capped at `max_delay`, with jitter (a uniform draw from the upper half of the
// step) so a burst of failures does not retry in lockstep; and when to give up
// (attempt count or age), after which the event is dead. Pure, unit-tested.
#pragma once

#include <chrono>

namespace solarhook {

struct retry_policy {
    std::chrono::milliseconds initial{1000};
    std::chrono::milliseconds max_delay{3'600'000};
    int max_attempts = 10;
    std::chrono::seconds max_age{24 * 3600};

    // Delay before attempt number `failed_attempts + 1`; `unit` is a draw in [0, 1).
    std::chrono::milliseconds delay(int failed_attempts, double unit) const noexcept;
    bool give_up(int failed_attempts, std::chrono::milliseconds age) const noexcept;
};

}  // namespace solarhook
