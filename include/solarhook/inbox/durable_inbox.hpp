// The durable inbox: a body's events and dedup keys are committed to the
// journal (through the group committer) before `done` runs, so a 200 means the
// events are on disk. Committed events go straight to the worker queue when it
// has room; a dispatcher thread picks up the rest: pending rows left by a
// crash, retries whose time has come, and rows an operator replayed. Worker
// outcomes are recorded as done, a scheduled retry, or dead; an outcome that
// cannot be written (store failing) keeps its event claimed and is written again
// with backoff, so the sinks never re-run while the process lives. An event is
// processed at least once; it can be processed twice only if the process dies
// between a handler finishing and its outcome's commit.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_set>
#include <vector>

#include "solarhook/core/clock.hpp"
#include "solarhook/inbox/inbox.hpp"
#include "solarhook/inbox/retry_policy.hpp"
#include "solarhook/pipeline/event_queue.hpp"
#include "solarhook/store/event_store.hpp"
#include "solarhook/store/group_committer.hpp"

namespace solarhook {

class durable_inbox final : public inbox {
  public:
    struct options {
        std::chrono::seconds dedup_ttl{24 * 3600};
        retry_policy retry;
        std::chrono::seconds done_retention{7 * 24 * 3600};
        std::int64_t quarantine_max_rows = 10'000;
        std::int64_t quarantine_max_bytes = 64ll << 20;
        std::chrono::milliseconds poll_interval{250};
        std::chrono::milliseconds maintenance_interval{10'000};
        int dispatch_batch = 1024;
        int retention_chunk = 5000;  // rows deleted per maintenance transaction
        // Past this (database and WAL on disk, plus what was stored since it was
        // last measured) new events are refused with 503 until retention frees room.
        std::int64_t max_disk_bytes = 2ll << 30;
        // Whether some route takes this unclassified event; if not (or unset) it is
        // kept `quarantined` for an operator.
        std::function<bool(const decoded_event&)> routes_unclassified;
    };
    // Told, after the commit that recorded an event's routing, of its pending
    // deliveries (with the normalized event when the worker built it).
    using routed_hook = std::function<void(std::vector<store::delivery_row>,
                                           std::shared_ptr<const nlohmann::json>)>;

    // `reader` is a second connection to the same file, used only by the dispatcher.
    durable_inbox(store::group_committer& committer, std::unique_ptr<store::event_store> reader,
                  event_queue& queue, const clock& clk, options opts);
    ~durable_inbox() override;

    // Dispatches what a previous run left pending, then keeps polling.
    void start();
    void stop();
    // Polls now instead of at the next interval.
    void wake();

    void store(std::vector<inbox_entry> entries, std::string request_id,
               std::function<void(inbox_outcome)> done) override;
    void quarantine(std::string type, std::string body, std::string reason,
                    std::string request_id) override;
    bool ready() const override { return committer_.healthy() && !over_disk_limit(); }
    std::string not_ready_reason() const override;
    // The last measured disk use, and whether it (with what came since) is at the limit.
    std::int64_t disk_bytes() const noexcept { return disk_bytes_.load(); }
    bool over_disk_limit() const noexcept;
    // As of the dispatcher's last round (at most dispatch_poll_ms old).
    std::int64_t quarantine_rows() const noexcept { return quarantine_rows_.load(); }
    std::int64_t quarantine_bytes() const noexcept { return quarantine_bytes_.load(); }
    // Events scheduled for another attempt since start.
    std::uint64_t retries_scheduled() const noexcept { return retries_scheduled_.load(); }
    // Measures the disk use now (the dispatcher does it every round).
    void measure_disk();
    // Refused bodies not quarantined (too many at once, or the store full).
    std::uint64_t quarantine_skipped() const noexcept;

    // The worker pool's completion hook. An event with a plan (pipeline/
    // route_stage.hpp) gets its deliveries recorded; one without is done.
    void on_processed(const queued_event& ev, const std::string* error);
    // Set before start().
    void set_routed_hook(routed_hook h) { on_routed_ = std::move(h); }
    // Outcomes waiting to be written again (the dispatcher does it each round).
    std::size_t unrecorded_outcomes() const;

    struct maintenance_report {
        std::size_t dedup_keys_expired = 0;
        std::size_t done_pruned = 0;
        std::size_t quarantine_dropped = 0;
        std::size_t steps = 0;  // retention transactions
        std::size_t pages_released = 0;
    };
    // One maintenance round, as the dispatcher runs it every maintenance_interval:
    // expired keys and done rows past retention go, in chunks, until none is left;
    // the quarantine is bounded. Blocks until the writer has done it.
    maintenance_report maintain();

  private:
    struct outcome {
        std::int64_t id;
        enum kind_t { done, retry, dead, routed } kind;
        int attempts;
        store::millis next_at;
        std::string error;
        std::shared_ptr<const delivery_plan> plan;  // routed
        bool inserted_waiting = false;              // routed or done: see queued_event
    };
    struct unrecorded {
        clock::time_point at;
        outcome what;
        int failures;
    };
    static constexpr std::chrono::milliseconds k_outcome_retry_first{100};
    static constexpr std::chrono::milliseconds k_outcome_retry_max{30'000};
    void record_(outcome o, int failures);
    // Makes due the rows a stop left claimed but unrouted; sets unrouted_released_.
    void release_unrouted_();
    void retry_unrecorded();
    void run();
    // One batch of due rows onto the queue; true if there may be more right now.
    bool dispatch_due();
    // Pushes an event whose id the caller has claimed; releases the claim if the
    // queue is full (the row stays pending for a later round).
    bool push_claimed(queued_event ev);
    bool claim(std::int64_t id);
    void release(std::int64_t id);
    store::millis now_ms() const;

    store::group_committer& committer_;
    std::unique_ptr<store::event_store> reader_;
    event_queue& queue_;
    const clock& clock_;
    const options opts_;

    // Refused bodies on their way to the quarantine, in bytes; past the cap they are
    // counted and not kept (reported once per maintenance round).
    static constexpr std::int64_t k_quarantine_in_flight_max = 2 << 20;
    // A WAL larger than its reset size (journal_size_limit) is cut by maintenance.
    static constexpr std::int64_t k_wal_truncate_above = 16 << 20;
    std::atomic<std::int64_t> quarantine_in_flight_{0};
    std::atomic<std::uint64_t> quarantine_skipped_{0};
    std::atomic<std::int64_t> quarantine_rows_{0};
    std::atomic<std::int64_t> quarantine_bytes_{0};
    std::atomic<std::uint64_t> retries_scheduled_{0};
    std::mutex maintenance_mutex_;                   // one maintain() at a time
    std::uint64_t quarantine_skipped_reported_ = 0;  // under maintenance_mutex_
    std::atomic<std::int64_t> disk_bytes_{0};
    std::atomic<std::int64_t> added_since_measure_{0};

    mutable std::mutex unrecorded_mutex_;
    std::vector<unrecorded> unrecorded_;

    std::mutex inflight_mutex_;
    std::unordered_set<std::int64_t> inflight_;  // queued or being handled
    std::unordered_set<std::int64_t> released_since_read_;
    store::due_cursor cursor_;        // the dispatcher's walk; its thread only
    bool unrouted_released_ = false;  // start(), then the dispatcher's thread only

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool poke_ = false;
    std::mt19937_64 rng_{std::random_device{}()};
    std::uint64_t evictions_reported_ = 0;  // touched only inside the writer's transactions
    std::thread dispatcher_;
    routed_hook on_routed_;
};

}  // namespace solarhook
