// In-process dedup_store: keys live for `ttl` by the injected clock, at most
// `max_entries` of them; when full, the earliest-expiring key is evicted first.
// Expired keys are purged a few at a time on each call (no sweeper thread), and
// an expired key found on lookup counts as absent. Thread-safe. Keys are held as
// 128-bit digests (a default key's own SHA-256 prefix, else SHA-256 of the key):
// about 80 bytes per live key instead of two copies of the text.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "solarhook/core/clock.hpp"
#include "solarhook/dedup/dedup_store.hpp"

namespace solarhook {

using key_digest = std::array<std::uint8_t, 16>;

// The 64-hex default keys are SHA-256 already, so their first 16 bytes are
// taken as they are; any other key (template, delivery id) is hashed.
key_digest digest_key(std::string_view key);

class memory_dedup_store final : public dedup_store {
  public:
    memory_dedup_store(const clock& clk, std::chrono::seconds ttl, std::size_t max_entries);

    mark_result try_mark(std::string_view key) override;
    // try_mark with the times given instead of read: for a caller that keeps its
    // own clock and TTL (the durable store, and loading keys it persisted).
    mark_result try_mark_until(std::string_view key, clock::time_point now,
                               clock::time_point expires);
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
    struct digest_hash {
        std::size_t operator()(const key_digest& d) const noexcept {
            std::size_t h = 0;
            std::memcpy(&h, d.data(), sizeof h);  // already uniformly distributed
            return h;
        }
    };
    struct digest_equal {
        bool operator()(const key_digest& a, const key_digest& b) const noexcept {
            std::uint64_t a0, a1, b0, b1;
            std::memcpy(&a0, a.data(), 8);
            std::memcpy(&a1, a.data() + 8, 8);
            std::memcpy(&b0, b.data(), 8);
            std::memcpy(&b1, b.data() + 8, 8);
            return ((a0 ^ b0) | (a1 ^ b1)) == 0;
        }
    };
    std::unordered_map<key_digest, clock::time_point, digest_hash, digest_equal> entries_;
    std::deque<std::pair<clock::time_point, key_digest>> order_;
    dedup_stats stats_;
};

}  // namespace solarhook
