// N threads that pop accepted events and pass each to every handler in order.
// Shutdown closes the queue and waits, up to a deadline, for the workers to
// finish what is queued; what could not be processed by then is reported, not
// silently dropped. The destructor always joins.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "solarhook/pipeline/event_queue.hpp"
#include "solarhook/pipeline/handler.hpp"

namespace solarhook {

struct drain_report {
    bool complete = false;        // every worker finished before the deadline
    std::size_t left_queued = 0;  // events never started
    std::size_t in_progress = 0;  // events a handler was still working on
};

class worker_pool {
  public:
    // Told about every event once all handlers ran: error is null on success,
    // else the first handler's failure. The durable inbox records it.
    using completion = std::function<void(const queued_event& ev, const std::string* error)>;

    worker_pool(event_queue& queue, std::vector<std::shared_ptr<handler>> handlers,
                unsigned workers, completion on_done = {});
    ~worker_pool();
    worker_pool(const worker_pool&) = delete;
    worker_pool& operator=(const worker_pool&) = delete;

    void start();
    drain_report stop(std::chrono::milliseconds deadline);

    std::uint64_t processed() const noexcept { return processed_.load(); }
    std::uint64_t failed() const noexcept { return failed_.load(); }

  private:
    // Events a worker takes at once: one flush and one wake-up per batch under
    // load, while a lone event still goes out on its own at once.
    static constexpr std::size_t k_max_batch = 64;
    // How long a woken worker waits for a batch to build up. On a loaded core a
    // wake-up per event (two context switches) costs more than decoding it; a
    // millisecond more before the handler sees an event costs the sender nothing,
    // since it was acknowledged already.
    static constexpr std::chrono::microseconds k_linger{1000};
    void run();

    event_queue& queue_;
    std::vector<std::shared_ptr<handler>> handlers_;
    const unsigned count_;
    completion on_done_;
    std::vector<std::thread> threads_;
    std::atomic<std::uint64_t> processed_{0};
    std::atomic<std::uint64_t> failed_{0};
    std::atomic<std::size_t> held_{0};  // taken from the queue, not yet done
    std::atomic<std::size_t> busy_{0};  // of those, delivery started
    std::mutex mutex_;
    std::condition_variable exited_;
    unsigned running_ = 0;
};

}  // namespace solarhook
