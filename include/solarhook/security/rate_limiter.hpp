// Per-client-address admission: a token bucket for requests (rate_limit.per_second,
// burst) and a stricter one for failed authentication, past which the address
// is refused everything for a minute. The table is bounded: at max_clients the
// least recently seen address is forgotten, so rotating or spoofed addresses
// cannot grow memory. Time comes in as an argument; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <unordered_map>

#include "solarhook/security/cidr.hpp"

namespace solarhook::security {

struct rate_limit_settings {
    double per_second = 0;  // 0: requests are not limited
    double burst = 0;       // bucket size; 0: per_second
    unsigned auth_failures_per_minute = 30;
    std::size_t max_clients = 16'384;
    std::chrono::seconds lockout{60};
};

class rate_limiter {
  public:
    using time_point = std::chrono::steady_clock::time_point;
    struct verdict {
        bool allowed = true;
        std::chrono::seconds retry_after{0};  // when refused: when to come back (>= 1 s)
        bool locked_out = false;              // refused for failed authentication
    };

    explicit rate_limiter(rate_limit_settings s);
    verdict admit(const ip_bytes& client, time_point now);
    // Counts a failed authentication; true if it locked the address out.
    bool auth_failed(const ip_bytes& client, time_point now);
    std::size_t tracked() const;
    // Requests refused since start, for the log and (later) metrics.
    std::uint64_t refused() const;

  private:
    struct entry;
    struct ip_hash {
        std::size_t operator()(const ip_bytes& ip) const noexcept;
    };
    using lru = std::list<ip_bytes>;
    struct entry {
        double tokens = 0;
        double failure_tokens = 0;
        time_point refilled{};
        time_point locked_until{};
        lru::iterator place;
    };
    entry& find_or_add_locked(const ip_bytes& client, time_point now);
    void refill_locked(entry& e, time_point now) const;

    rate_limit_settings s_;
    double burst_;
    mutable std::mutex mutex_;
    std::unordered_map<ip_bytes, entry, ip_hash> table_;
    lru order_;  // most recently seen first
    std::uint64_t refused_ = 0;
    // True while no address can be refused: nothing to look up on the request path.
    bool idle_ = true;
};

}  // namespace solarhook::security
