#include "solarhook/store/group_committer.hpp"

#include <vector>

namespace solarhook::store {

group_committer::group_committer(event_store& store, options opts)
    : store_(store), opts_(opts), writer_([this] { run(); }) {}

bool group_committer::healthy() const noexcept {
    if (!healthy_.load()) {
        return false;
    }
    const auto last = last_failure_.load();
    const auto hold =
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(opts_.unhealthy_hold);
    return last == 0 ||
           std::chrono::steady_clock::now().time_since_epoch().count() - last >= hold.count();
}

group_committer::~group_committer() {
    stop();
}

void group_committer::submit(op o, done d) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            pending_.emplace_back(std::move(o), std::move(d));
            wake_.notify_one();
            return;
        }
    }
    d(store_error(SQLITE_MISUSE, "the store is shutting down"));
}

void group_committer::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (writer_.joinable()) {
        writer_.join();
    }
}

void group_committer::run() {
    std::vector<std::pair<op, done>> batch;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
            if (pending_.empty()) {
                return;  // stopping, and everything submitted has been answered
            }
            if (opts_.max_wait.count() > 0 && pending_.size() < opts_.max_batch && !stopping_) {
                wake_.wait_for(lock, opts_.max_wait,
                               [this] { return stopping_ || pending_.size() >= opts_.max_batch; });
            }
            while (!pending_.empty() && batch.size() < opts_.max_batch) {
                batch.push_back(std::move(pending_.front()));
                pending_.pop_front();
            }
        }
        std::optional<store_error> failure;
        try {
            store_.begin();
            for (auto& [o, d] : batch) {
                o(store_);
            }
            store_.commit();
        } catch (const store_error& e) {
            store_.rollback();
            failure = e;
        } catch (const std::exception& e) {
            store_.rollback();
            failure = store_error(SQLITE_ERROR, e.what());
        }
        healthy_ = !failure;
        if (failure) {
            last_failure_ = std::chrono::steady_clock::now().time_since_epoch().count();
        }
        if (!failure) {
            ++commits_;
            ops_ += batch.size();
        }
        for (auto& [o, d] : batch) {
            d(failure);
        }
        batch.clear();
    }
}

}  // namespace solarhook::store
