// Bounded MPMC queue of accepted events between the request path and workers.
// Overflow policy: producers never block. They first reserve slots (refused when
// full, counted; room is allocated here), then push into a reserved slot, which
// cannot fail and does not allocate; so a request
// can reserve, check dedup, and enqueue without ever half-accepting. Unused slots
// return on the reservation's destruction. close() ends the queue for producers;
// consumers drain what is left.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "solarhook/core/clock.hpp"
#include "solarhook/decode/event.hpp"
#include "solarhook/store/event_store.hpp"

namespace solarhook {

// Where a worker's routing stage (route_stage.hpp) sends an event: its sinks, the
// ones run already on the worker marked done, and the normalized event if it was built.
struct delivery_plan {
    std::vector<store::new_delivery> sinks;
    std::shared_ptr<const nlohmann::json> normalized;
};

struct queued_event {
    decoded_event event;
    std::string key;
    std::string request_id;
    clock::time_point received_at;
    std::int64_t id = 0;  // journal row id; 0 when the store is in memory
    int attempts = 0;     // earlier failed attempts
    // Its row was inserted waiting for this routing (store::new_event::claimed).
    bool inserted_waiting = false;
    // Set by the routing stage on a worker, read by the worker's completion hook.
    mutable std::shared_ptr<const delivery_plan> plan;
};

class event_queue {
  public:
    explicit event_queue(std::size_t capacity);

    class reservation {
      public:
        reservation(reservation&& other) noexcept;
        reservation& operator=(reservation&&) = delete;
        ~reservation();
        // Consumes one reserved slot. `ev` is moved from only if this succeeds.
        void push(queued_event&& ev);
        std::size_t remaining() const noexcept { return slots_; }

      private:
        friend class event_queue;
        reservation(event_queue* q, std::size_t n) : queue_(q), slots_(n) {}
        event_queue* queue_;
        std::size_t slots_;
    };

    // n slots, or nullopt when they do not fit or the queue is closed.
    std::optional<reservation> try_reserve(std::size_t n);

    // Blocks until an event is available; nullopt once closed and empty.
    std::optional<queued_event> pop();
    // Blocks like pop(); then, if fewer than `max` are queued, waits up to
    // `linger` for more to arrive, and takes up to `max` events at once, but no
    // more than a 1/`share` part of what is queued, so that consumers sharing
    // the queue each get some. Empty once closed and empty.
    std::vector<queued_event> pop_batch(std::size_t max, std::size_t share,
                                        std::chrono::microseconds linger = {});

    void close();
    bool closed() const;
    // Consumers inside pop_batch's linger right now.
    std::size_t lingering() const;
    // Consumers blocked waiting for an event right now.
    std::size_t waiting() const;
    std::size_t size() const;
    std::size_t capacity() const noexcept { return capacity_; }
    // True when a single-slot reservation would be refused right now.
    bool full() const;
    std::uint64_t refused() const;
    // Calls `on_room` once, from a consumer's thread, when a pop leaves at least
    // `free_slots` free (at once if that holds already): a producer refused for
    // lack of room sleeps until then instead of polling.
    void notify_when_room(std::size_t free_slots, std::function<void()> on_room);

  private:
    void release(std::size_t n);
    // Makes room for `n` items in the ring (growing it, never past capacity_).
    void grow_locked(std::size_t n);
    void push_locked(queued_event&& ev) noexcept;
    queued_event pop_locked() noexcept;
    // Producers wake a consumer only when one sleeps with no wake-up already on
    // its way: under load that is one futex call per burst, not one per event.
    bool claim_wake_locked();
    void wait_locked(std::unique_lock<std::mutex>& lock);

    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::condition_variable not_empty_;
    // A ring that grows to the most events ever held at once and stays: a deque
    // allocated and freed one node per event (736 bytes each).
    std::vector<queued_event> ring_;
    std::size_t head_ = 0;   // the oldest item
    std::size_t count_ = 0;  // items in the ring
    std::size_t reserved_ = 0;
    bool closed_ = false;
    std::size_t waiting_ = 0;
    std::size_t wakes_pending_ = 0;
    std::size_t lingering_ = 0;
    std::uint64_t refused_ = 0;
    std::size_t room_wanted_ = 0;  // 0: nobody waits for room
    std::function<void()> on_room_;
    // Takes the room callback if its room is there now; call it after unlocking.
    std::function<void()> take_room_callback_locked();
};

}  // namespace solarhook
