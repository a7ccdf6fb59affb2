#include "solarhook/dedup/memory_dedup_store.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>

#include "solarhook/dedup/dedup_key.hpp"

namespace solarhook {
namespace {
// Expired entries purged per call: enough to keep pace with inserts, small
// enough that no single request pays for a large sweep.
constexpr std::size_t k_purge_budget = 8;

// Lower-case hex digit -> value; 0xFF for anything else. A table, because the
// branchy version was a third of a duplicate check (perf, bm_duplicate_check).
constexpr std::array<std::uint8_t, 256> k_hex = [] {
    std::array<std::uint8_t, 256> t{};
    t.fill(0xFF);
    for (int c = '0'; c <= '9'; ++c)
        t[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - '0');
    for (int c = 'a'; c <= 'f'; ++c)
        t[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - 'a' + 10);
    return t;
}();

std::uint8_t hex_at(std::string_view s, std::size_t i) noexcept {
    return k_hex[static_cast<unsigned char>(s[i])];
}
}  // namespace

key_digest digest_key(std::string_view key) {
    key_digest d{};
    if (key.size() == 64) {
        std::uint8_t bad = 0;
        for (std::size_t i = 0; i < d.size(); ++i) {
            const std::uint8_t hi = hex_at(key, 2 * i);
            const std::uint8_t lo = hex_at(key, 2 * i + 1);
            bad |= static_cast<std::uint8_t>(hi | lo);
            d[i] = static_cast<std::uint8_t>((hi << 4) | (lo & 0xF));
        }
        for (std::size_t i = 32; i < 64; ++i) {
            bad |= hex_at(key, i);
        }
        if ((bad & 0xF0) == 0) {
            return d;
        }
    }
    // Both kinds are uniform 128-bit values, so a hashed key meeting a hex key's
    // prefix is as unlikely as two SHA-256 prefixes meeting.
    const auto full = sha256(key);
    std::memcpy(d.data(), full.data(), d.size());
    return d;
}

namespace {
std::uint64_t hash_of(const key_digest& d) noexcept {
    std::uint64_t h = 0;
    std::memcpy(&h, d.data(), sizeof h);  // already uniformly distributed
    return h;
}
bool same_digest(const key_digest& a, const key_digest& b) noexcept {
    return std::memcmp(a.data(), b.data(), a.size()) == 0;
}
template <class T>
T* allocate(std::size_t n, bool zeroed) {
    void* p = zeroed ? std::calloc(n, sizeof(T)) : std::malloc(n * sizeof(T));
    if (p == nullptr) {
        throw std::bad_alloc();
    }
    return static_cast<T*>(p);
}
}  // namespace

std::size_t memory_dedup_store::ring_capacity(std::size_t max_entries) {
    // Slack for dead entries (unmarked or re-marked keys not yet reached by the
    // head), so they rarely push a live key out early.
    return max_entries + max_entries / 16 + 16;
}

std::size_t memory_dedup_store::index_capacity(std::size_t max_entries) {
    return std::bit_ceil(max_entries + max_entries / 3 + 1);  // load factor at most 0.75
}

double memory_dedup_store::bytes_per_key(std::size_t max_entries) {
    const auto m = std::max<std::size_t>(1, max_entries);
    return static_cast<double>(ring_capacity(m) * sizeof(entry) +
                               index_capacity(m) * sizeof(std::uint64_t)) /
           static_cast<double>(m);
}

memory_dedup_store::memory_dedup_store(const clock& clk, std::chrono::seconds ttl,
                                       std::size_t max_entries)
    : clock_(clk),
      ttl_(ttl),
      max_entries_(std::clamp<std::size_t>(max_entries, 1, std::size_t{1} << 30)),
      ring_cap_(ring_capacity(max_entries_)),
      ring_(allocate<entry>(ring_cap_, false)),
      index_mask_(index_capacity(max_entries_) - 1),
      index_(allocate<std::uint64_t>(index_mask_ + 1, true)) {}

std::size_t memory_dedup_store::find_slot_(const key_digest& d, std::uint32_t& ring_pos,
                                           bool& found) const {
    const auto h = hash_of(d);
    const auto tag = h & 0xFFFF'FFFFu;
    for (std::size_t i = h & index_mask_;; i = (i + 1) & index_mask_) {
        const auto s = index_[i];
        if (s == 0) {
            found = false;
            return i;
        }
        if ((s >> 32) == tag) {
            const auto pos = static_cast<std::uint32_t>(s) - 1;
            if (same_digest(ring_[pos].digest, d)) {
                ring_pos = pos;
                found = true;
                return i;
            }
        }
    }
}

std::size_t memory_dedup_store::slot_of_(std::uint32_t ring_pos) const {
    const std::uint64_t want = std::uint64_t{ring_pos} + 1;
    for (std::size_t i = hash_of(ring_[ring_pos].digest) & index_mask_;;
         i = (i + 1) & index_mask_) {
        if ((index_[i] & 0xFFFF'FFFFu) == want) {
            return i;
        }
    }
}

void memory_dedup_store::erase_slot_(std::size_t slot) {
    // Backward-shift deletion: no tombstones, so probes never lengthen with churn.
    index_[slot] = 0;
    for (std::size_t j = (slot + 1) & index_mask_; index_[j] != 0; j = (j + 1) & index_mask_) {
        const std::size_t home = (index_[j] >> 32) & index_mask_;
        const bool stays = slot <= j ? (slot < home && home <= j) : (slot < home || home <= j);
        if (!stays) {
            index_[slot] = index_[j];
            index_[j] = 0;
            slot = j;
        }
    }
}

void memory_dedup_store::pop_front_locked_(rep now) {
    const auto& e = ring_[head_];
    if (e.expires != k_dead) {
        erase_slot_(slot_of_(static_cast<std::uint32_t>(head_)));
        --live_;
        ++(e.expires <= now ? stats_.expired : stats_.evicted);
    }
    head_ = head_ + 1 == ring_cap_ ? 0 : head_ + 1;
    --size_;
}

void memory_dedup_store::purge_expired_locked_(rep now, std::size_t budget) {
    while (budget-- > 0 && size_ > 0 && ring_[head_].expires <= now) {
        pop_front_locked_(now);
    }
}

mark_result memory_dedup_store::try_mark(std::string_view key) {
    const auto now = clock_.now();
    return try_mark_until(key, now, now + ttl_);
}

mark_result memory_dedup_store::try_mark_until(std::string_view key, clock::time_point now,
                                               clock::time_point expires) {
    const key_digest d = digest_key(key);
    const rep t = now.time_since_epoch().count();
    std::lock_guard lock(mutex_);
    purge_expired_locked_(t, k_purge_budget);

    std::uint32_t pos = 0;
    bool found = false;
    auto slot = find_slot_(d, pos, found);
    if (found) {
        if (ring_[pos].expires > t) {
            return mark_result::duplicate;
        }
        ring_[pos].expires = k_dead;  // expired but not yet purged: absent
        erase_slot_(slot);
        --live_;
        ++stats_.expired;
    }
    if (live_ >= max_entries_ || size_ >= ring_cap_) {
        while (size_ > 0 && (live_ >= max_entries_ || size_ >= ring_cap_)) {
            pop_front_locked_(t);
        }
    }
    slot = find_slot_(d, pos, found);
    // A clock step back must not unsort the ring.
    last_expiry_ = std::max(last_expiry_, expires.time_since_epoch().count());
    const std::size_t at = (head_ + size_) % ring_cap_;
    ring_[at] = entry{d, last_expiry_};
    ++size_;
    index_[slot] = ((hash_of(d) & 0xFFFF'FFFFu) << 32) | (std::uint64_t{at} + 1);
    ++live_;
    return mark_result::marked;
}

void memory_dedup_store::unmark(std::string_view key) {
    const key_digest d = digest_key(key);
    std::lock_guard lock(mutex_);
    std::uint32_t pos = 0;
    bool found = false;
    const auto slot = find_slot_(d, pos, found);
    if (!found) {
        return;
    }
    erase_slot_(slot);
    --live_;
    ring_[pos].expires = k_dead;
    // Dead entries at the tail are given back now, so a rolled-back batch leaves nothing.
    while (size_ > 0 && ring_[(head_ + size_ - 1) % ring_cap_].expires == k_dead) {
        --size_;
    }
}

dedup_stats memory_dedup_store::stats() const {
    std::lock_guard lock(mutex_);
    dedup_stats s = stats_;
    s.live = live_;
    s.held = size_;
    return s;
}

}  // namespace solarhook
