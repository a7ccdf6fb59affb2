#include "solarhook/app/notify.hpp"

#include <fmt/format.h>
#include <systemd/sd-daemon.h>
#include <time.h>

namespace solarhook::app::notify {

void ready() {
    sd_notify(0, "READY=1\nSTATUS=listening");
}

void reloading() {
    // MONOTONIC_USEC lets a Type=notify-reload manager (systemd 253+) match the reply.
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    const auto usec = static_cast<unsigned long long>(ts.tv_sec) * 1'000'000ull +
                      static_cast<unsigned long long>(ts.tv_nsec) / 1000ull;
    sd_notify(0, fmt::format("RELOADING=1\nMONOTONIC_USEC={}", usec).c_str());
}

void stopping() {
    sd_notify(0, "STOPPING=1\nSTATUS=draining");
}

void watchdog() {
    sd_notify(0, "WATCHDOG=1");
}

std::optional<std::chrono::microseconds> watchdog_interval() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) {
        return std::nullopt;
    }
    return std::chrono::microseconds(usec / 2);
}

}  // namespace solarhook::app::notify
