// In-process dedup_store: keys live for `ttl` by the injected clock, at most
// `max_entries` of them; when full, the earliest-expiring key is evicted first.
// Expired keys are purged a few at a time on each call (no sweeper thread), and
// an expired key found on lookup counts as absent. Thread-safe. Memory is fixed
// at construction: keys are 128-bit digests in a ring kept in expiry order, found
// through an open-addressing index of 8-byte slots (bytes_per_key() gives the
// cost of a configured bound).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string_view>

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
    // Undoing the newest mark (a rolled-back batch, newest first) frees its room at
    // once; an older key's room is freed when the ring reaches it.
    void unmark(std::string_view key) override;
    dedup_stats stats() const override;

    // Bytes allocated per key at the configured bound (the ring and the index).
    static double bytes_per_key(std::size_t max_entries);

  private:
    using rep = clock::time_point::rep;
    // A ring entry whose key was unmarked or re-marked: skipped when reached.
    static constexpr rep k_dead = INT64_MIN;
    struct entry {
        key_digest digest;
        rep expires;
    };
    struct free_deleter {
        void operator()(void* p) const noexcept { std::free(p); }
    };

    static std::size_t ring_capacity(std::size_t max_entries);
    static std::size_t index_capacity(std::size_t max_entries);
    // The slot holding `ring_pos`, or the empty slot where `d` would go (found=false).
    std::size_t find_slot_(const key_digest& d, std::uint32_t& ring_pos, bool& found) const;
    std::size_t slot_of_(std::uint32_t ring_pos) const;
    void erase_slot_(std::size_t slot);
    void pop_front_locked_(rep now);
    void purge_expired_locked_(rep now, std::size_t budget);

    const clock& clock_;
    const std::chrono::seconds ttl_;
    const std::size_t max_entries_;
    mutable std::mutex mutex_;
    // Entries [head_, head_ + size_) modulo ring_cap_, in non-decreasing expiry
    // order (a clock step back is clamped to the last expiry), dead ones included.
    const std::size_t ring_cap_;
    std::unique_ptr<entry[], free_deleter> ring_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
    rep last_expiry_ = INT64_MIN;
    // Linear probing. A slot is 0 (empty) or (low 32 bits of the digest's hash) << 32 |
    // (ring position + 1): the hash bits place the slot without reading the ring and
    // turn away most other keys on the way. calloc: untouched pages cost no RSS.
    const std::size_t index_mask_;
    std::unique_ptr<std::uint64_t[], free_deleter> index_;
    std::size_t live_ = 0;
    dedup_stats stats_;
};

}  // namespace solarhook
