#include "solarhook/dedup/memory_dedup_store.hpp"

#include <algorithm>

namespace solarhook {
namespace {
// Expired entries purged per call: enough to keep pace with inserts, small
// enough that no single request pays for a large sweep.
constexpr std::size_t k_purge_budget = 8;
}  // namespace

memory_dedup_store::memory_dedup_store(const clock& clk, std::chrono::seconds ttl,
                                       std::size_t max_entries)
    : clock_(clk), ttl_(ttl), max_entries_(std::max<std::size_t>(1, max_entries)) {}

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
    std::lock_guard lock(mutex_);
    purge_expired_locked(now, k_purge_budget);

    std::string k(key);
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
    auto expiry = now + ttl_;
    if (!order_.empty() && order_.back().first > expiry) {
        expiry = order_.back().first;  // a clock step back must not unsort the deque
    }
    entries_.emplace(k, expiry);
    order_.emplace_back(expiry, std::move(k));
    return mark_result::marked;
}

void memory_dedup_store::unmark(std::string_view key) {
    std::lock_guard lock(mutex_);
    entries_.erase(std::string(key));
}

dedup_stats memory_dedup_store::stats() const {
    std::lock_guard lock(mutex_);
    dedup_stats s = stats_;
    s.live = entries_.size();
    return s;
}

}  // namespace solarhook
