#include "solarhook/dedup/memory_dedup_store.hpp"

#include <algorithm>

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

memory_dedup_store::memory_dedup_store(const clock& clk, std::chrono::seconds ttl,
                                       std::size_t max_entries)
    : clock_(clk), ttl_(ttl), max_entries_(std::max<std::size_t>(1, max_entries)) {
    // Buckets for the whole bound up front (8 bytes each): no rehash of a large
    // table ever stalls a request.
    entries_.reserve(max_entries_);
}

void memory_dedup_store::pop_front_locked() {
    auto& [expiry, key] = order_.front();
    if (auto it = entries_.find(key); it != entries_.end() && it->second == expiry) {
        entries_.erase(it);
    }
    order_.pop_front();
}

void memory_dedup_store::purge_expired_locked(clock::time_point now, std::size_t budget) {
    while (budget-- > 0 && !order_.empty() && order_.front().first <= now) {
        auto it = entries_.find(order_.front().second);
        if (it != entries_.end() && it->second == order_.front().first) {
            ++stats_.expired;
        }
        pop_front_locked();
    }
}

mark_result memory_dedup_store::try_mark(std::string_view key) {
    const auto now = clock_.now();
    return try_mark_until(key, now, now + ttl_);
}

mark_result memory_dedup_store::try_mark_until(std::string_view key, clock::time_point now,
                                               clock::time_point expires) {
    std::lock_guard lock(mutex_);
    purge_expired_locked(now, k_purge_budget);

    const key_digest k = digest_key(key);
    if (auto it = entries_.find(k); it != entries_.end()) {
        if (it->second > now) {
            return mark_result::duplicate;
        }
        entries_.erase(it);  // expired but not yet purged: absent
        ++stats_.expired;
    }
    while (entries_.size() >= max_entries_ && !order_.empty()) {
        auto it = entries_.find(order_.front().second);
        if (it != entries_.end() && it->second == order_.front().first) {
            ++stats_.evicted;
        }
        pop_front_locked();
    }
    auto expiry = expires;
    if (!order_.empty() && order_.back().first > expiry) {
        expiry = order_.back().first;  // a clock step back must not unsort the deque
    }
    entries_.emplace(k, expiry);
    order_.emplace_back(expiry, k);
    return mark_result::marked;
}

void memory_dedup_store::unmark(std::string_view key) {
    std::lock_guard lock(mutex_);
    entries_.erase(digest_key(key));
}

dedup_stats memory_dedup_store::stats() const {
    std::lock_guard lock(mutex_);
    dedup_stats s = stats_;
    s.live = entries_.size();
    return s;
}

}  // namespace solarhook
