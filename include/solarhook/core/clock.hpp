// Wall-clock source behind an interface so time-dependent logic (dedup TTL,
// later retry backoff) can be driven by tests without sleeping. Wall time, not
// steady time, because expiries will outlive the process once persisted.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace solarhook {

class clock {
  public:
    using time_point = std::chrono::system_clock::time_point;
    virtual ~clock() = default;
    virtual time_point now() const = 0;
};

class system_clock final : public clock {
  public:
    time_point now() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told; safe to read from many threads.
class manual_clock final : public clock {
  public:
    explicit manual_clock(time_point start = time_point{std::chrono::hours{24 * 365 * 50}})
        : now_(start.time_since_epoch().count()) {}
    time_point now() const override { return time_point{time_point::duration{now_.load()}}; }
    void set(time_point tp) { now_ = tp.time_since_epoch().count(); }
    void advance(std::chrono::nanoseconds d) {
        now_ += std::chrono::duration_cast<time_point::duration>(d).count();
    }

  private:
    std::atomic<time_point::rep> now_;
};

// RFC 3339 UTC with microseconds, e.g. 2026-11-29T22:17:04.123456Z. Years 0-9999.
std::string format_rfc3339(clock::time_point tp);
void append_rfc3339(std::string& out, clock::time_point tp);

// Unix milliseconds, as the journal stores times. from_unix_ms saturates at the
// clock's range (about the years 1678-2262): a stored time may be far past it.
std::int64_t to_unix_ms(clock::time_point tp);
clock::time_point from_unix_ms(std::int64_t ms);

}  // namespace solarhook
