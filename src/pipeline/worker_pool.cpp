#include "solarhook/pipeline/worker_pool.hpp"

namespace solarhook {

worker_pool::worker_pool(event_queue& queue, std::vector<std::shared_ptr<handler>> handlers,
                         unsigned workers, completion on_done)
    : queue_(queue),
      handlers_(std::move(handlers)),
      count_(workers == 0 ? 1 : workers),
      on_done_(std::move(on_done)) {}

worker_pool::~worker_pool() {
    queue_.close();
    for (auto& t : threads_) {
        if (t.joinable()) {
            t.join();
        }
    }
}

void worker_pool::start() {
    std::lock_guard lock(mutex_);
    running_ = count_;
    threads_.reserve(count_);
    for (unsigned i = 0; i < count_; ++i) {
        threads_.emplace_back([this] { run(); });
    }
}

void worker_pool::run() {
    while (auto ev = queue_.pop()) {
        ++busy_;
        std::string first_error;
        bool ok = true;
        for (const auto& h : handlers_) {
            std::string error;
            if (!h->deliver(*ev, &error) && ok) {
                ok = false;
                first_error = std::string(h->name()) + ": " + error;
            }
        }
        ++(ok ? processed_ : failed_);
        if (on_done_) {
            try {
                on_done_(*ev, ok ? nullptr : &first_error);
            } catch (...) {
                // Recording the outcome failed; the event stays pending and is retried.
            }
        }
        --busy_;
    }
    std::lock_guard lock(mutex_);
    --running_;
    exited_.notify_all();
}

drain_report worker_pool::stop(std::chrono::milliseconds deadline) {
    // Closing wakes idle workers; each exits once the queue is empty.
    queue_.close();
    drain_report report;
    {
        std::unique_lock lock(mutex_);
        report.complete = exited_.wait_for(lock, deadline, [this] { return running_ == 0; });
    }
    if (report.complete) {
        for (auto& t : threads_) {
            t.join();
        }
        threads_.clear();
    } else {
        report.left_queued = queue_.size();
        report.in_progress = busy_.load();
    }
    return report;
}

}  // namespace solarhook
