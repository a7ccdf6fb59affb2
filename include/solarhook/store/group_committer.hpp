// The single writer. Callers hand it operations; it runs as many as are waiting
// (up to max_batch, waiting at most max_wait for more after the first) in one
// transaction, commits once, then reports to every caller. One fsync therefore
// serves many requests, and no caller thread ever blocks on SQLite. An operation
// that fails on its own (it throws, or breaks a constraint) fails alone: the
// others run again without it. A failure of the store (disk full, I/O, busy) or
// of the commit fails the whole batch; healthy() stays false until a commit
// succeeds and at least `unhealthy_hold` has passed since the last failure.
// With durability full, a second thread syncs the WAL while the writer runs the
// next batch, and a batch is answered only after a sync that followed its commit.
// A failed sync cannot be undone: every later operation fails, until a restart.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "solarhook/store/event_store.hpp"

namespace solarhook::store {

class group_committer {
  public:
    using op = std::function<void(event_store&)>;                         // inside the transaction
    using done = std::function<void(const std::optional<store_error>&)>;  // after commit or failure

    struct options {
        std::size_t max_batch = 512;  // 1 disables grouping: one commit per operation
        std::chrono::microseconds max_wait{0};
        // After a failed commit, stay unhealthy at least this long even if a small
        // commit succeeds meanwhile, so /readyz does not flap on a nearly full disk.
        std::chrono::milliseconds unhealthy_hold{1000};
        // Background operations (no caller waits for them: delivery outcomes,
        // routing) wait up to this long for company before a commit of their own,
        // unless background_batch of them are waiting or a request's arrives.
        std::chrono::microseconds background_wait{5000};
        std::size_t background_batch = 64;
    };
    enum class urgency { request, background };
    // After each successful commit, once it is durable: its duration (begin to
    // fsync) and its operations. For metrics; must not throw or block.
    using commit_observer = std::function<void(std::chrono::nanoseconds, std::size_t)>;

    // sync_wal replaces store.sync_wal(), for tests of a failing or slow disk.
    group_committer(event_store& store, options opts, commit_observer on_commit = {},
                    std::function<void()> sync_wal = {});
    ~group_committer();
    group_committer(const group_committer&) = delete;
    group_committer& operator=(const group_committer&) = delete;

    void submit(op o, done d, urgency u = urgency::request);
    // Finishes what was submitted, then stops the writer. Later submits fail at once.
    void stop();

    bool healthy() const noexcept;
    std::uint64_t commits() const noexcept { return commits_.load(); }
    std::uint64_t ops_committed() const noexcept { return ops_.load(); }

  private:
    // A batch's answers, given once its commit is durable.
    struct answers {
        std::vector<done> callers;
        std::vector<std::optional<store_error>> results;
        bool committed = false;     // holds a commit that the WAL's sync must cover
        bool store_failed = false;  // the store or the commit failed the batch
        std::chrono::steady_clock::time_point began;
    };
    void run();
    void run_batch_(std::vector<std::pair<op, done>>& batch, std::optional<store_error> failure);
    void answer_(answers& a, const std::optional<store_error>& sync_failure);
    void sync_run_();

    event_store& store_;
    const options opts_;
    std::mutex mutex_;
    std::condition_variable wake_;
    struct waiting {
        op o;
        done d;
        urgency u;
    };
    std::deque<waiting> pending_;
    std::size_t requests_pending_ = 0;  // of pending_, those of urgency::request
    // What the writer waits for, so that submit wakes it only when that came: a
    // wake-up per outcome while background operations gather would cost a
    // context switch each.
    enum class waiting_for { nothing, any, request_or_batch, full_batch };
    waiting_for waiting_for_ = waiting_for::nothing;
    bool wake_needed_() const;
    bool stopping_ = false;
    std::atomic<bool> healthy_{true};
    std::atomic<std::chrono::steady_clock::rep> last_failure_{0};
    std::atomic<std::uint64_t> commits_{0};
    std::atomic<std::uint64_t> ops_{0};
    commit_observer on_commit_;
    std::function<void()> sync_wal_;
    // Set once, before the threads start: the sync runs apart from the commit.
    bool deferred_sync_ = false;
    std::mutex sync_mutex_;
    std::condition_variable sync_wake_;
    std::deque<answers> unsynced_;
    bool sync_stopping_ = false;
    std::optional<store_error> sync_failed_;  // latched, under mutex_
    std::thread syncer_;
    std::thread writer_;
};

}  // namespace solarhook::store
