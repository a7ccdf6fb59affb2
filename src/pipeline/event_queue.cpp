#include "solarhook/pipeline/event_queue.hpp"

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

void event_queue::reservation::push(queued_event ev) {
    if (slots_ == 0) {
        throw std::logic_error("event_queue: push without a reserved slot");
    }
    {
        std::lock_guard lock(queue_->mutex_);
        queue_->items_.push_back(std::move(ev));
        --queue_->reserved_;
    }
    --slots_;
    queue_->not_empty_.notify_one();
}

std::optional<event_queue::reservation> event_queue::try_reserve(std::size_t n) {
    std::lock_guard lock(mutex_);
    if (closed_ || items_.size() + reserved_ + n > capacity_) {
        ++refused_;
        return std::nullopt;
    }
    reserved_ += n;
    return reservation(this, n);
}

void event_queue::release(std::size_t n) {
    {
        std::lock_guard lock(mutex_);
        reserved_ -= n;
    }
    // A closed queue's consumers wait for outstanding reservations to settle.
    not_empty_.notify_all();
}

std::optional<queued_event> event_queue::pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [this] { return !items_.empty() || (closed_ && reserved_ == 0); });
    if (items_.empty()) {
        return std::nullopt;
    }
    queued_event ev = std::move(items_.front());
    items_.pop_front();
    return ev;
}

void event_queue::close() {
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
    }
    not_empty_.notify_all();
}

bool event_queue::closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
}

std::size_t event_queue::size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
}

bool event_queue::full() const {
    std::lock_guard lock(mutex_);
    return items_.size() + reserved_ >= capacity_;
}

std::uint64_t event_queue::refused() const {
    std::lock_guard lock(mutex_);
    return refused_;
}

}  // namespace solarhook
