#include "solarhook/pipeline/worker_pool.hpp"

#include "solarhook/core/thread_name.hpp"

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
        threads_.emplace_back([this] {
            name_this_thread("sh-worker");
            run();
        });
    }
}

void worker_pool::run() {
    std::vector<std::string> errors;  // per event of the batch; empty: handled
    for (auto batch = queue_.pop_batch(k_max_batch, count_, k_linger); !batch.empty();
         batch = queue_.pop_batch(k_max_batch, count_, k_linger)) {
        held_ += batch.size();
        errors.assign(batch.size(), std::string());
        for (std::size_t i = 0; i < batch.size(); ++i) {
            ++busy_;
            for (const auto& h : handlers_) {
                std::string error;
                if (!h->deliver(batch[i], &error) && errors[i].empty()) {
                    errors[i] = std::string(h->name()) + ": " + error;
                }
            }
        }
        for (const auto& h : handlers_) {
            std::string error;
            if (!h->flush(&error)) {
                for (auto& e : errors) {
                    if (e.empty()) {
                        e = std::string(h->name()) + ": " + error;
                    }
                }
            }
        }
        for (std::size_t i = 0; i < batch.size(); ++i) {
            const bool ok = errors[i].empty();
            ++(ok ? processed_ : failed_);
            if (on_done_) {
                try {
                    on_done_(batch[i], ok ? nullptr : &errors[i]);
                } catch (...) {
                    // Recording the outcome failed; the event stays pending and is retried.
                }
            }
            --busy_;
            --held_;
        }
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
        const std::size_t busy = busy_.load();
        report.left_queued = queue_.size() + (held_.load() - busy);
        report.in_progress = busy;
    }
    return report;
}

}  // namespace solarhook
