#include "solarhook/store/group_committer.hpp"

#include <algorithm>
#include <exception>
#include <numeric>
#include <vector>

#include "solarhook/core/thread_name.hpp"
#include "solarhook/log/structured.hpp"

namespace solarhook::store {

group_committer::group_committer(event_store& store, options opts, commit_observer on_commit,
                                 std::function<void()> sync_wal)
    : store_(store),
      opts_(opts),
      on_commit_(std::move(on_commit)),
      sync_wal_(std::move(sync_wal)),
      deferred_sync_(store_.defer_wal_sync() || static_cast<bool>(sync_wal_)),
      syncer_(deferred_sync_ ? std::thread([this] {
          name_this_thread("sh-sync");
          sync_run_();
      })
                             : std::thread()),
      writer_([this] {
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
    std::optional<store_error> refused;
    {
        std::lock_guard lock(mutex_);
        if (!stopping_ && !sync_failed_) {
            pending_.push_back(waiting{std::move(o), std::move(d), u});
            requests_pending_ += u == urgency::request ? 1 : 0;
            if (wake_needed_()) {
                wake_.notify_one();
            }
            return;
        }
        refused = sync_failed_;
    }
    d(refused ? *refused : store_error(SQLITE_MISUSE, "the store is shutting down"));
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
    {
        std::lock_guard lock(sync_mutex_);
        sync_stopping_ = true;
    }
    sync_wake_.notify_all();
    if (syncer_.joinable()) {
        syncer_.join();  // after the writer: its last batch is answered first
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

void group_committer::run_batch_(std::vector<std::pair<op, done>>& batch,
                                 std::optional<store_error> failure) {
    const auto began = std::chrono::steady_clock::now();
    // Which operations are still in the transaction; one that fails on its own is
    // answered with its error and the rest run again without it.
    std::vector<std::size_t> live(batch.size());
    std::iota(live.begin(), live.end(), std::size_t{0});
    std::vector<std::optional<store_error>> result(batch.size());
    // `failure`: the store's, for every live operation; set already, the batch is not run
    while (!live.empty() && !failure) {
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
    } else if (!live.empty()) {
        ++commits_;
        ops_ += live.size();
    }
    answers a;
    a.callers.reserve(batch.size());
    for (auto& b : batch) {
        a.callers.push_back(std::move(b.second));
    }
    a.results = std::move(result);
    a.committed = !failure && !live.empty();
    a.store_failed = failure.has_value();
    a.began = began;
    if (!deferred_sync_) {
        answer_(a, std::nullopt);  // COMMIT synced the WAL itself, if it had to
        return;
    }
    {
        std::lock_guard lock(sync_mutex_);
        unsynced_.push_back(std::move(a));
    }
    sync_wake_.notify_one();
}

void group_committer::answer_(answers& a, const std::optional<store_error>& sync_failure) {
    if (a.committed && sync_failure) {
        for (auto& r : a.results) {
            if (!r) {
                r = sync_failure;
            }
        }
    }
    const bool failed = a.store_failed || (a.committed && sync_failure);
    if (failed) {
        last_failure_ = std::chrono::steady_clock::now().time_since_epoch().count();
    } else if (a.committed && on_commit_) {
        const auto ops = static_cast<std::size_t>(
            std::count_if(a.results.begin(), a.results.end(), [](const auto& r) { return !r; }));
        on_commit_(std::chrono::steady_clock::now() - a.began, ops);
    }
    healthy_ = !failed;
    for (std::size_t i = 0; i < a.callers.size(); ++i) {
        try {
            a.callers[i](a.results[i]);
        } catch (const std::exception& e) {
            // The writer must outlive any caller's mistake: one escaping exception
            // here would end the process.
            log::error("a store callback threw", {{"error", e.what()}});
        } catch (...) {
            log::error("a store callback threw", {{"error", "unknown exception"}});
        }
    }
}

void group_committer::sync_run_() {
    std::deque<answers> batch;
    std::optional<store_error> failure;  // latched: once set, no sync runs again
    for (;;) {
        {
            std::unique_lock lock(sync_mutex_);
            sync_wake_.wait(lock, [this] { return sync_stopping_ || !unsynced_.empty(); });
            if (unsynced_.empty()) {
                return;
            }
            batch.swap(unsynced_);
        }
        // One sync covers every commit before it began: all the batches taken.
        const bool any_committed =
            std::any_of(batch.begin(), batch.end(), [](const answers& a) { return a.committed; });
        if (any_committed && !failure) {
            try {
                if (sync_wal_) {
                    sync_wal_();
                } else {
                    store_.sync_wal();
                }
            } catch (...) {
                failure = as_store_error(std::current_exception());
                // Committed rows may now be readable but not on disk, and a sync
                // retried after a failure can report success without writing them
                // (the kernel may have dropped the pages): refuse all further work.
                log::error(
                    "the WAL could not be synced: the store refuses every write "
                    "until solarhook is restarted",
                    {{"error", failure->what()}});
                std::lock_guard lock(mutex_);
                sync_failed_ = failure;  // for submit() and the writer
            }
        }
        for (auto& a : batch) {
            answer_(a, failure);
        }
        batch.clear();
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
    std::optional<store_error> latched;  // the failed sync's: the batch is not run
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
            latched = sync_failed_;
        }
        run_batch_(batch, latched);
        batch.clear();
    }
}

}  // namespace solarhook::store
