// systemd's service notifications through sd_notify(3): READY, RELOADING,
// STOPPING and the watchdog ping. Each is a no-op when NOTIFY_SOCKET is unset,
// so the daemon runs the same without systemd (or under any other supervisor).
#pragma once

#include <chrono>
#include <optional>

namespace solarhook::app::notify {

void ready();
// Before a SIGHUP reload is applied; ready() again once it is done or refused.
void reloading();
void stopping();
void watchdog();
// How often to ping: half of what WatchdogSec asks for; nullopt when it is off.
std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace solarhook::app::notify
