#include "solarhook/security/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace solarhook::security {

std::size_t rate_limiter::ip_hash::operator()(const ip_bytes& ip) const noexcept {
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    std::memcpy(&a, ip.data(), 8);
    std::memcpy(&b, ip.data() + 8, 8);
    return static_cast<std::size_t>((a * 0x9E3779B97F4A7C15ull) ^ (b + 0x632BE59BD9B4E019ull));
}

rate_limiter::rate_limiter(rate_limit_settings s)
    : s_(s), burst_(s.burst > 0 ? s.burst : std::max(1.0, s.per_second)) {}

void rate_limiter::refill_locked(entry& e, time_point now) const {
    const double secs = std::chrono::duration<double>(now - e.refilled).count();
    if (secs <= 0) {
        return;
    }
    e.tokens = std::min(burst_, e.tokens + secs * s_.per_second);
    e.failure_tokens = std::min(static_cast<double>(s_.auth_failures_per_minute),
                                e.failure_tokens + secs * s_.auth_failures_per_minute / 60.0);
    e.refilled = now;
}

rate_limiter::entry& rate_limiter::find_or_add_locked(const ip_bytes& client, time_point now) {
    if (auto it = table_.find(client); it != table_.end()) {
        order_.splice(order_.begin(), order_, it->second.place);
        refill_locked(it->second, now);
        return it->second;
    }
    if (table_.size() >= s_.max_clients && !order_.empty()) {
        table_.erase(order_.back());
        order_.pop_back();
    }
    order_.push_front(client);
    auto& e = table_[client];
    e.tokens = burst_;
    e.failure_tokens = s_.auth_failures_per_minute;
    e.refilled = now;
    e.place = order_.begin();
    return e;
}

rate_limiter::verdict rate_limiter::admit(const ip_bytes& client, time_point now) {
    std::lock_guard lock(mutex_);
    if (idle_ && s_.per_second <= 0) {
        return {};
    }
    auto& e = find_or_add_locked(client, now);
    if (now < e.locked_until) {
        ++refused_;
        const auto left = std::chrono::ceil<std::chrono::seconds>(e.locked_until - now);
        return {false, std::max(left, std::chrono::seconds(1)), true};
    }
    if (s_.per_second <= 0) {
        return {};
    }
    if (e.tokens >= 1.0) {
        e.tokens -= 1.0;
        return {};
    }
    ++refused_;
    const auto wait = static_cast<std::int64_t>(std::ceil((1.0 - e.tokens) / s_.per_second));
    return {false, std::chrono::seconds(std::max<std::int64_t>(1, wait)), false};
}

bool rate_limiter::auth_failed(const ip_bytes& client, time_point now) {
    std::lock_guard lock(mutex_);
    if (s_.auth_failures_per_minute == 0) {
        return false;
    }
    idle_ = false;
    auto& e = find_or_add_locked(client, now);
    e.failure_tokens -= 1.0;
    if (e.failure_tokens < 0) {
        e.failure_tokens = 0;
        e.locked_until = now + s_.lockout;
        return true;
    }
    return false;
}

std::size_t rate_limiter::tracked() const {
    std::lock_guard lock(mutex_);
    return table_.size();
}

std::uint64_t rate_limiter::refused() const {
    std::lock_guard lock(mutex_);
    return refused_;
}

}  // namespace solarhook::security
