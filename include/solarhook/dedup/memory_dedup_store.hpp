// In-process dedup_store: keys live for `ttl` by the injected clock, at most
// `max_entries` of them; when full, the earliest-expiring key is evicted first.
// Expired keys are purged a few at a time on each call (no sweeper thread), and
// an expired key found on lookup counts as absent. Thread-safe.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "solarhook/core/clock.hpp"
#include "solarhook/dedup/dedup_store.hpp"

namespace solarhook {

class memory_dedup_store final : public dedup_store {
  public:
    memory_dedup_store(const clock& clk, std::chrono::seconds ttl, std::size_t max_entries);

    mark_result try_mark(std::string_view key) override;
    void unmark(std::string_view key) override;
    dedup_stats stats() const override;

  private:
    void purge_expired_locked(clock::time_point now, std::size_t budget);
    void pop_front_locked();

    const clock& clock_;
    const std::chrono::seconds ttl_;
    const std::size_t max_entries_;
    mutable std::mutex mutex_;
    // key -> expiry. The deque holds the same keys in expiry order; expiries are
    // kept non-decreasing so the front is always the earliest to expire. A deque
    // entry whose expiry differs from the map's is stale (unmarked or re-marked).
    std::unordered_map<std::string, clock::time_point> entries_;
    std::deque<std::pair<clock::time_point, std::string>> order_;
    dedup_stats stats_;
};

}  // namespace solarhook
