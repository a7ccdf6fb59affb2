#include "solarhook/store/group_committer.hpp"

#include <algorithm>
#include <exception>
#include <numeric>
#include <vector>

#include "solarhook/core/thread_name.hpp"
#include "solarhook/log/structured.hpp"

namespace solarhook::store {

group_committer::group_committer(event_store& store, options opts, commit_observer on_commit)
    : store_(store), opts_(opts), on_commit_(std::move(on_commit)), writer_([this] {
          name_this_thread("sh-writer");
          run();
      }) {}

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

void group_committer::submit(op o, done d, urgency u) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            pending_.push_back(waiting{std::move(o), std::move(d), u});
            requests_pending_ += u == urgency::request ? 1 : 0;
            if (wake_needed_()) {
                wake_.notify_one();
            }
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

namespace {

// Failures of the database or the disk, which every operation of the batch would
// meet; any other failure is the operation's own (a constraint, a bug, a throw).
bool environmental(int code) noexcept {
    switch (code & 0xFF) {
        case SQLITE_FULL:
        case SQLITE_IOERR:
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_NOMEM:
        case SQLITE_READONLY:
        case SQLITE_CORRUPT:
        case SQLITE_CANTOPEN:
        case SQLITE_NOTADB:
        case SQLITE_PROTOCOL:
        case SQLITE_MISUSE:
            return true;
        default:
            return false;
    }
}

// Whatever an operation or the commit threw, as the store error callers get; a
// throw that is not the store's counts as the operation's own (SQLITE_ERROR).
store_error as_store_error(const std::exception_ptr& thrown) {
    try {
        std::rethrow_exception(thrown);
    } catch (const store_error& e) {
        return e;
    } catch (const std::exception& e) {
        return store_error(SQLITE_ERROR, e.what());
    } catch (...) {
        return store_error(SQLITE_ERROR, "unknown exception");
    }
}

}  // namespace

void group_committer::run_batch_(std::vector<std::pair<op, done>>& batch) {
    const auto began = std::chrono::steady_clock::now();
    // Which operations are still in the transaction; one that fails on its own is
    // answered with its error and the rest run again without it.
    std::vector<std::size_t> live(batch.size());
    std::iota(live.begin(), live.end(), std::size_t{0});
    std::vector<std::optional<store_error>> result(batch.size());
    std::optional<store_error> failure;  // the store's, for every live operation
    while (!live.empty()) {
        std::size_t current = live.size();  // index into `live` of the running op
        try {
            store_.begin();
            for (current = 0; current < live.size(); ++current) {
                batch[live[current]].first(store_);
            }
            current = live.size();
            store_.commit();
            break;
        } catch (...) {
            store_.rollback();
            const auto e = as_store_error(std::current_exception());
            if (current < live.size() && !environmental(e.code())) {
                result[live[current]] = e;
                live.erase(live.begin() + static_cast<std::ptrdiff_t>(current));
                continue;
            }
            failure = e;
        }
        break;
    }
    if (failure) {
        for (auto i : live) {
            result[i] = failure;
        }
        last_failure_ = std::chrono::steady_clock::now().time_since_epoch().count();
    } else if (!live.empty()) {
        ++commits_;
        ops_ += live.size();
        if (on_commit_) {
            on_commit_(std::chrono::steady_clock::now() - began, live.size());
        }
    }
    healthy_ = !failure;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        try {
            batch[i].second(result[i]);
        } catch (const std::exception& e) {
            // The writer must outlive any caller's mistake: one escaping exception
            // here would end the process.
            log::error("a store callback threw", {{"error", e.what()}});
        } catch (...) {
            log::error("a store callback threw", {{"error", "unknown exception"}});
        }
    }
}

bool group_committer::wake_needed_() const {
    switch (waiting_for_) {
        case waiting_for::nothing:
            return false;  // busy committing: it looks at pending_ when done
        case waiting_for::any:
            return true;
        case waiting_for::request_or_batch:
            return requests_pending_ > 0 || pending_.size() >= opts_.background_batch;
        case waiting_for::full_batch:
            return pending_.size() >= opts_.max_batch;
    }
    return true;
}

void group_committer::run() {
    std::vector<std::pair<op, done>> batch;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            waiting_for_ = waiting_for::any;
            wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
            if (pending_.empty()) {
                return;  // stopping, and everything submitted has been answered
            }
            if (requests_pending_ == 0 && opts_.background_wait.count() > 0 && !stopping_) {
                waiting_for_ = waiting_for::request_or_batch;
                wake_.wait_for(lock, opts_.background_wait, [this] {
                    return stopping_ || requests_pending_ > 0 ||
                           pending_.size() >= opts_.background_batch;
                });
            }
            if (opts_.max_wait.count() > 0 && pending_.size() < opts_.max_batch && !stopping_) {
                waiting_for_ = waiting_for::full_batch;
                wake_.wait_for(lock, opts_.max_wait,
                               [this] { return stopping_ || pending_.size() >= opts_.max_batch; });
            }
            while (!pending_.empty() && batch.size() < opts_.max_batch) {
                auto& w = pending_.front();
                requests_pending_ -= w.u == urgency::request ? 1 : 0;
                batch.emplace_back(std::move(w.o), std::move(w.d));
                pending_.pop_front();
            }
            waiting_for_ = waiting_for::nothing;
        }
        run_batch_(batch);
        batch.clear();
    }
}

}  // namespace solarhook::store
