#include "solarhook/pipeline/event_queue.hpp"

#include <algorithm>
#include <stdexcept>

namespace solarhook {

event_queue::event_queue(std::size_t capacity) : capacity_(capacity) {}

event_queue::reservation::reservation(reservation&& other) noexcept
    : queue_(other.queue_), slots_(other.slots_) {
    other.slots_ = 0;
}

event_queue::reservation::~reservation() {
    if (slots_ > 0) {
        queue_->release(slots_);
    }
}

void event_queue::reservation::push(queued_event&& ev) {
    if (slots_ == 0) {
        throw std::logic_error("event_queue: push without a reserved slot");
    }
    bool wake = false;
    {
        std::lock_guard lock(queue_->mutex_);
        queue_->push_locked(std::move(ev));
        --queue_->reserved_;
        wake = queue_->claim_wake_locked();
    }
    --slots_;
    if (wake) {
        queue_->not_empty_.notify_one();
    }
}

void event_queue::grow_locked(std::size_t n) {
    if (n <= ring_.size()) {
        return;
    }
    const std::size_t size = std::min(capacity_, std::max({n, ring_.size() * 2, std::size_t{16}}));
    std::vector<queued_event> bigger(size);
    for (std::size_t i = 0; i < count_; ++i) {
        bigger[i] = std::move(ring_[(head_ + i) % ring_.size()]);
    }
    ring_.swap(bigger);
    head_ = 0;
}

void event_queue::push_locked(queued_event&& ev) noexcept {
    // A reservation made room for it (grow_locked), so the slot exists.
    ring_[(head_ + count_) % ring_.size()] = std::move(ev);
    ++count_;
}

queued_event event_queue::pop_locked() noexcept {
    queued_event ev = std::move(ring_[head_]);
    head_ = (head_ + 1) % ring_.size();
    --count_;
    return ev;
}

bool event_queue::claim_wake_locked() {
    if (waiting_ > wakes_pending_) {
        ++wakes_pending_;
        return true;
    }
    return false;
}

void event_queue::wait_locked(std::unique_lock<std::mutex>& lock) {
    ++waiting_;
    while (count_ == 0 && !(closed_ && reserved_ == 0)) {
        not_empty_.wait(lock);
    }
    --waiting_;
    if (wakes_pending_ > 0) {
        --wakes_pending_;
    }
}

std::optional<event_queue::reservation> event_queue::try_reserve(std::size_t n) {
    std::lock_guard lock(mutex_);
    if (closed_ || count_ + reserved_ + n > capacity_) {
        ++refused_;
        return std::nullopt;
    }
    grow_locked(count_ + reserved_ + n);
    reserved_ += n;
    return reservation(this, n);
}

void event_queue::release(std::size_t n) {
    bool closed = false;
    {
        std::lock_guard lock(mutex_);
        reserved_ -= n;
        closed = closed_;
    }
    // Only a closed queue's consumers wait for outstanding reservations to settle.
    // An open queue's consumers wait for items, and a released slot brings none:
    // waking them here (once per re-delivery) cost two context switches for nothing.
    if (closed) {
        not_empty_.notify_all();
    }
}

std::optional<queued_event> event_queue::pop() {
    auto one = pop_batch(1, 1);
    if (one.empty()) {
        return std::nullopt;
    }
    return std::move(one.front());
}

std::vector<queued_event> event_queue::pop_batch(std::size_t max, std::size_t share,
                                                 std::chrono::microseconds linger) {
    std::vector<queued_event> out;
    std::unique_lock lock(mutex_);
    wait_locked(lock);
    if (linger.count() > 0 && count_ < max && !closed_) {
        // Nobody wakes a lingering consumer but close(): it sleeps out `linger`.
        ++lingering_;
        not_empty_.wait_for(lock, linger, [this] { return closed_; });
        --lingering_;
    }
    const std::size_t fair = count_ / std::max<std::size_t>(1, share);
    const std::size_t n = std::min(count_, std::clamp<std::size_t>(fair, 1, max));
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(pop_locked());
    }
    auto room = take_room_callback_locked();
    // What this consumer left behind is for a sleeping one.
    if (count_ > 0 && claim_wake_locked()) {
        lock.unlock();
        not_empty_.notify_one();
    } else {
        lock.unlock();
    }
    if (room) {
        room();
    }
    return out;
}

std::function<void()> event_queue::take_room_callback_locked() {
    if (room_wanted_ == 0 || capacity_ - std::min(capacity_, count_ + reserved_) < room_wanted_) {
        return {};
    }
    room_wanted_ = 0;
    return std::move(on_room_);
}

void event_queue::notify_when_room(std::size_t free_slots, std::function<void()> on_room) {
    std::unique_lock lock(mutex_);
    room_wanted_ = std::clamp<std::size_t>(free_slots, 1, capacity_);
    on_room_ = std::move(on_room);
    if (auto now = take_room_callback_locked()) {
        lock.unlock();
        now();
    }
}

void event_queue::close() {
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
    }
    not_empty_.notify_all();
}

std::size_t event_queue::lingering() const {
    std::lock_guard lock(mutex_);
    return lingering_;
}

std::size_t event_queue::waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_;
}

bool event_queue::closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
}

std::size_t event_queue::size() const {
    std::lock_guard lock(mutex_);
    return count_;
}

bool event_queue::full() const {
    std::lock_guard lock(mutex_);
    return count_ + reserved_ >= capacity_;
}

std::uint64_t event_queue::refused() const {
    std::lock_guard lock(mutex_);
    return refused_;
}

}  // namespace solarhook
