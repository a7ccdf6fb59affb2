// The durable journal: events (pending|done|dead|quarantined) and dedup keys in
// one SQLite file in WAL mode. A key and its event are inserted in the same
// transaction, so an acknowledged event and its dedup mark are never apart. The
// writer decides duplicates from an in-memory index of the live keys, rebuilt from
// the key log on open and undone with a rolled-back transaction: keys are logged
// in arrival order, because a table ordered by a random key costs a page write per
// event. Knows nothing of HTTP or sinks. Write methods expect the caller (one
// writer thread) to hold a transaction.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "solarhook/dedup/memory_dedup_store.hpp"
#include "solarhook/store/sqlite.hpp"

namespace solarhook::store {

enum class durability { full, normal };
enum class event_state { pending, done, dead, quarantined };
std::string_view state_name(event_state s) noexcept;
std::optional<event_state> parse_state(std::string_view s) noexcept;

using millis = std::int64_t;  // Unix time in milliseconds

struct new_event {
    std::string type;
    std::string key;
    std::string raw;    // the event object as received
    std::string typed;  // the typed fields as JSON
    std::string request_id;
    // Taken by a worker of this process as soon as it is committed: inserted
    // waiting for its routing (next_attempt_at k_delivering, its first attempt
    // counted), so routing needs no second write to the row when deliveries are
    // out. One a crash leaves unrouted is found by release_unrouted().
    bool claimed = false;
};

struct stored_event {
    std::int64_t id = 0;
    std::string type;
    std::string key;
    std::string raw;
    std::string typed;
    millis received_at = 0;
    event_state state = event_state::pending;
    int attempts = 0;
    millis next_attempt_at = 0;
    std::string last_error;
    std::string request_id;
};

// A place in the due order (next_attempt_at, id); the default is before every row.
struct due_cursor {
    millis next_attempt_at = std::numeric_limits<millis>::min();
    std::int64_t id = 0;
};

struct list_filter {
    std::optional<event_state> state;
    std::optional<std::string> type;
    std::optional<millis> since;
    int limit = 50;
};

// A pending event whose deliveries are out has this next_attempt_at: the event
// dispatcher leaves it alone, and it is done when its last delivery is.
inline constexpr millis k_delivering = std::numeric_limits<millis>::max();

enum class delivery_state { pending = 0, done = 1, dead = 2 };
std::string_view delivery_state_name(delivery_state s) noexcept;
std::optional<delivery_state> parse_delivery_state(std::string_view s) noexcept;

struct new_delivery {
    std::string sink;
    std::string order_key;  // empty: unordered
    bool done = false;      // run already, on the worker (the log sink)
};

struct delivery_row {
    std::int64_t id = 0;
    std::int64_t event_id = 0;
    std::string sink;
    std::string order_key;
    delivery_state state = delivery_state::pending;
    int attempts = 0;
    millis next_attempt_at = 0;
    std::string last_error;
    std::optional<int> last_status;
    std::string last_response;
    millis updated_at = 0;
    millis received_at = 0;  // the event's
};

// A delivery's attempt, as recorded: pending (a retry at next_attempt_at), done or dead.
struct delivery_outcome {
    std::int64_t id = 0;
    std::int64_t event_id = 0;
    delivery_state state = delivery_state::done;
    int attempts = 0;
    millis next_attempt_at = 0;
    std::string error;
    std::optional<int> status;
    std::string response;
};

struct delivery_filter {
    std::optional<delivery_state> state;
    std::optional<std::string> sink;
    std::optional<std::int64_t> event_id;
    int limit = 50;
};

struct store_stats {
    std::map<std::string, std::map<std::string, std::int64_t>> by_state_and_type;
    std::optional<millis> oldest_pending;
    std::int64_t dedup_keys = 0;
    std::map<std::string, std::map<std::string, std::int64_t>> deliveries_by_sink_and_state;
};

class event_store {
  public:
    static constexpr int k_schema_version = 7;

    // Opens (creating if needed) and migrates. busy_timeout bounds lock waits. At
    // most dedup_max_keys live keys are indexed; past that the earliest to expire
    // is forgotten first (counted in dedup_evicted()).
    event_store(const std::string& path, durability d, std::chrono::milliseconds busy_timeout,
                std::size_t dedup_max_keys = 1'000'000);
    // Opens an existing database for the CLI: no create, no migration beyond a check.
    static std::unique_ptr<event_store> open_existing(const std::string& path,
                                                      std::chrono::milliseconds busy_timeout);

    int schema_version();

    void begin();  // BEGIN IMMEDIATE
    void commit();
    void rollback() noexcept;

    // Full durability with the WAL's fsync taken out of COMMIT, so that the writer
    // can run the next transaction while the disk syncs this one: from here on this
    // connection commits with synchronous=NORMAL, and a transaction is durable once
    // a sync_wal() that began after its commit returns. False, and nothing changed,
    // unless the store was opened with durability full.
    bool defer_wal_sync();
    // fdatasync of the WAL file through a descriptor of its own, so another thread
    // may call it while the connection writes. Throws store_error (SQLITE_IOERR).
    void sync_wal() const;

    // Reads the live keys into the index. insert_event does it on first use; the
    // daemon calls it at startup so the first request does not wait for it.
    void load_dedup_keys(millis now);
    std::uint64_t dedup_evicted() const;

    // nullopt: the key is live (a duplicate); else the new event's id.
    // An event that cannot be processed yet (unclassified) starts `quarantined`.
    std::optional<std::int64_t> insert_event(const new_event& e, millis now,
                                             millis dedup_expires_at,
                                             event_state initial = event_state::pending,
                                             const std::string& reason = {});
    std::int64_t insert_quarantined(const std::string& type, const std::string& raw,
                                    const std::string& reason, const std::string& request_id,
                                    millis now);
    // `counted`: the insert counted this attempt already (new_event::claimed).
    void mark_done(std::int64_t id, bool counted = false);
    void schedule_retry(std::int64_t id, int attempts, millis next_at, const std::string& error);
    void mark_dead(std::int64_t id, int attempts, const std::string& error);

    // Pending events whose next attempt is due, oldest first; with a cursor, only
    // those after it in that order (next_attempt_at, id): a walk through a backlog
    // in batches, by the events_due index, that never reads a row twice.
    std::vector<stored_event> due(millis now, int limit, const due_cursor& after = {});
    // The earliest next_attempt_at of a pending event after `now`, if any.
    std::optional<millis> next_due_after(millis now);
    std::size_t purge_dedup(millis now, int limit);
    std::size_t prune_done(millis received_before, int limit);
    // Keeps at most max_rows quarantined rows and max_bytes of their payloads, oldest dropped
    // first. Checked in O(1) (triggers keep the totals); inserts of quarantined rows
    // apply the bound set by set_quarantine_bound at once.
    std::size_t bound_quarantine(std::int64_t max_rows, std::int64_t max_bytes);
    void set_quarantine_bound(std::int64_t max_rows, std::int64_t max_bytes) noexcept {
        quarantine_max_rows_ = max_rows;
        quarantine_max_bytes_ = max_bytes;
    }
    // What the database takes on disk (its file and its WAL), its free pages, and
    // giving up to `pages` of them back to the file system (auto_vacuum=INCREMENTAL).
    std::int64_t disk_bytes();
    // Quarantined rows and their payload bytes (kept by triggers: O(1)).
    std::pair<std::int64_t, std::int64_t> quarantine_totals();
    // Live keys in the writer's index; thread-safe.
    std::size_t dedup_live_keys() const;
    std::int64_t wal_bytes();
    std::int64_t free_pages();
    void release_free_pages(int pages);
    // Copies the WAL into the database and truncates it; outside any transaction.
    void checkpoint_truncate();

    std::vector<stored_event> list(const list_filter& f);
    std::optional<stored_event> get(std::int64_t id);
    // Marks these dead/quarantined/done events pending and due now; returns how many changed.
    std::size_t replay(const std::vector<std::int64_t>& ids, millis now);
    std::size_t replay_state(event_state s, millis now);
    store_stats stats();

    // Deliveries (one per event and sink). Writes expect a transaction.
    // Records where a pending event goes: a row per sink not routed before (a dead
    // one is made pending again; a done one stays done), then the event waits for
    // its pending deliveries (k_delivering) or, with none, is done. Returns every
    // pending delivery of the event.
    // `inserted_waiting`: the first routing of a new_event::claimed row, which waits
    // and has its attempt counted already.
    std::vector<delivery_row> route_event(std::int64_t event_id,
                                          const std::vector<new_delivery>& sinks, millis now,
                                          bool inserted_waiting = false);
    // Makes due (at `now`) every pending event left waiting with no pending delivery:
    // inserted claimed, then the process stopped before its routing was committed.
    // Run before the dispatcher starts; returns how many.
    std::size_t release_unrouted(millis now);
    // Records an attempt; the event is done once none of its deliveries is pending.
    void record_delivery(const delivery_outcome& o, millis now);
    // Pending deliveries to `sink` with an id after `after_id`, in id order.
    std::vector<delivery_row> pending_deliveries(const std::string& sink, std::int64_t after_id,
                                                 int limit);
    std::vector<delivery_row> list_deliveries(const delivery_filter& f);
    // Makes the matching deliveries pending and due now, and their events wait for
    // them; how many changed. Only dead ones unless `any_state`.
    std::size_t replay_deliveries(const delivery_filter& f, bool any_state, millis now);

    database& db() noexcept { return db_; }

    ~event_store();
    event_store(const event_store&) = delete;
    event_store& operator=(const event_store&) = delete;

  private:
    event_store(const std::string& path, database::mode m, std::chrono::milliseconds busy_timeout);
    void migrate();
    std::string path_() const;
    // Recounts quarantine_totals (after a replay moved quarantined rows).
    void count_quarantine();
    std::vector<stored_event> query(statement& st);

    database db_;
    durability durability_ = durability::full;
    int wal_fd_ = -1;  // for sync_wal(), once defer_wal_sync() opened it
    std::size_t dedup_max_keys_ = 1'000'000;
    std::int64_t quarantine_max_rows_ = std::numeric_limits<std::int64_t>::max();
    std::int64_t quarantine_max_bytes_ = std::numeric_limits<std::int64_t>::max();
    std::unique_ptr<memory_dedup_store> keys_;  // the writer's; null until loaded
    std::vector<std::string> txn_marks_;        // keys marked since begin(), for rollback
};

}  // namespace solarhook::store
