#include "solarhook/pipeline/worker_pool.hpp"

namespace solarhook {

worker_pool::worker_pool(event_queue& queue, std::vector<std::shared_ptr<handler>> handlers,
                         unsigned workers)
    : queue_(queue), handlers_(std::move(handlers)), count_(workers == 0 ? 1 : workers) {}

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
        bool ok = true;
        for (const auto& h : handlers_) {
            ok = h->deliver(*ev) && ok;
        }
        ++(ok ? processed_ : failed_);
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
