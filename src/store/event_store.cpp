#include "solarhook/store/event_store.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace solarhook::store {
namespace {

// Each entry moves the schema from version i to i+1. Never edit a shipped entry:
// add a new one. Version 1 is the first journal; 2 adds request ids and the
// indexes that keep retention and quarantine bounds cheap.
constexpr std::array<std::string_view, event_store::k_schema_version> k_migrations{
    R"(CREATE TABLE events (
         id INTEGER PRIMARY KEY,
         type TEXT NOT NULL,
         dedup_key TEXT,
         raw TEXT NOT NULL,
         typed TEXT NOT NULL DEFAULT '{}',
         received_at INTEGER NOT NULL,
         state TEXT NOT NULL CHECK (state IN ('pending','done','dead','quarantined')),
         attempts INTEGER NOT NULL DEFAULT 0,
         next_attempt_at INTEGER NOT NULL DEFAULT 0,
         last_error TEXT
       );
       CREATE INDEX events_due ON events(state, next_attempt_at);
       CREATE TABLE dedup (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
       CREATE INDEX dedup_expiry ON dedup(expires_at);)",
    R"(ALTER TABLE events ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
       CREATE INDEX events_state_received ON events(state, received_at);)",
    // Partial indexes: a row is in an index only while its state is the one that
    // index serves, so storing an event touches one index and marking it done
    // two, instead of two and four (mark_done was 50k instructions, callgrind).
    R"(DROP INDEX events_due;
       DROP INDEX events_state_received;
       CREATE INDEX events_due ON events(next_attempt_at) WHERE state='pending';
       CREATE INDEX events_done ON events(received_at) WHERE state='done';
       CREATE INDEX events_quarantined ON events(id) WHERE state='quarantined';
       CREATE INDEX events_dead ON events(id) WHERE state='dead';)",
    // Keys in arrival order (see the header): in an A/B, full durability went from
    // 9.7k to 15k requests/s when key writes stopped landing on random pages.
    R"(CREATE TABLE dedup_log (id INTEGER PRIMARY KEY, key TEXT NOT NULL,
                              expires_at INTEGER NOT NULL);
       INSERT INTO dedup_log(key, expires_at) SELECT key, expires_at FROM dedup
         ORDER BY expires_at;
       DROP TABLE dedup;
       CREATE INDEX dedup_log_expiry ON dedup_log(expires_at);)",
    // The same table with its state check spelled as comparisons: SQLite checks
    // `IN` over four values through a temporary b-tree built on every INSERT and
    // UPDATE, which was half the writer's instructions (callgrind, 118k -> 61k per
    // request). SQLite cannot alter a CHECK, so the table is copied.
    R"(CREATE TABLE events_v5 (
         id INTEGER PRIMARY KEY,
         type TEXT NOT NULL,
         dedup_key TEXT,
         raw TEXT NOT NULL,
         typed TEXT NOT NULL DEFAULT '{}',
         received_at INTEGER NOT NULL,
         state TEXT NOT NULL CHECK (state = 'pending' OR state = 'done' OR state = 'dead' OR
                                    state = 'quarantined'),
         attempts INTEGER NOT NULL DEFAULT 0,
         next_attempt_at INTEGER NOT NULL DEFAULT 0,
         last_error TEXT,
         request_id TEXT NOT NULL DEFAULT ''
       );
       INSERT INTO events_v5(id, type, dedup_key, raw, typed, received_at, state, attempts,
                             next_attempt_at, last_error, request_id)
         SELECT id, type, dedup_key, raw, typed, received_at, state, attempts, next_attempt_at,
                last_error, request_id FROM events;
       DROP TABLE events;
       ALTER TABLE events_v5 RENAME TO events;
       CREATE INDEX events_due ON events(next_attempt_at) WHERE state='pending';
       CREATE INDEX events_done ON events(received_at) WHERE state='done';
       CREATE INDEX events_quarantined ON events(id) WHERE state='quarantined';
       CREATE INDEX events_dead ON events(id) WHERE state='dead';)",
    // The quarantine's size kept exact by triggers, so its bound can be checked on
    // every insert in O(1) instead of by a periodic window query (issue 12: a flood
    // of refused bodies grew the file to 4 GB between rounds). Bytes, not
    // characters: length() of a BLOB cast. No UPDATE trigger: it would run on every
    // mark_done, on the request path's writer; a quarantined row changes state only
    // by a replay, which recounts (count_quarantine).
    R"(CREATE TABLE quarantine_totals (id INTEGER PRIMARY KEY CHECK (id = 1),
                                      rows INTEGER NOT NULL, bytes INTEGER NOT NULL);
       INSERT INTO quarantine_totals
         SELECT 1, COUNT(*), COALESCE(SUM(length(CAST(raw AS BLOB))), 0) FROM events
         WHERE state = 'quarantined';
       CREATE TRIGGER quarantine_in AFTER INSERT ON events WHEN new.state = 'quarantined' BEGIN
         UPDATE quarantine_totals SET rows = rows + 1,
           bytes = bytes + length(CAST(new.raw AS BLOB)) WHERE id = 1;
       END;
       CREATE TRIGGER quarantine_out AFTER DELETE ON events WHEN old.state = 'quarantined' BEGIN
         UPDATE quarantine_totals SET rows = rows - 1,
           bytes = bytes - length(CAST(old.raw AS BLOB)) WHERE id = 1;
       END;)",
    // Deliveries (issue 13): one row per (event, sink), each with its own state,
    // attempts and last answer, so a retry re-runs only what failed. A pending
    // event whose deliveries are out waits with next_attempt_at at k_delivering.
    // Existing rows are kept: a pending event is routed when next dispatched.
    R"(CREATE TABLE deliveries (
         id INTEGER PRIMARY KEY,
         event_id INTEGER NOT NULL,
         sink TEXT NOT NULL,
         order_key TEXT NOT NULL DEFAULT '',
         state INTEGER NOT NULL CHECK (state >= 0 AND state <= 2),
         attempts INTEGER NOT NULL DEFAULT 0,
         next_attempt_at INTEGER NOT NULL DEFAULT 0,
         last_error TEXT,
         last_status INTEGER,
         last_response TEXT,
         updated_at INTEGER NOT NULL DEFAULT 0,
         UNIQUE (event_id, sink)
       );
       CREATE INDEX deliveries_pending ON deliveries(sink, id) WHERE state = 0;
       CREATE INDEX deliveries_dead ON deliveries(sink, id) WHERE state = 2;
       CREATE TRIGGER deliveries_follow_events AFTER DELETE ON events BEGIN
         DELETE FROM deliveries WHERE event_id = old.id;
       END;)",
};

constexpr std::string_view k_columns =
    "id, type, COALESCE(dedup_key,''), raw, typed, received_at, state, attempts, "
    "next_attempt_at, COALESCE(last_error,''), request_id";

}  // namespace

std::string_view state_name(event_state s) noexcept {
    switch (s) {
        case event_state::pending:
            return "pending";
        case event_state::done:
            return "done";
        case event_state::dead:
            return "dead";
        case event_state::quarantined:
            return "quarantined";
    }
    return "pending";
}

std::optional<event_state> parse_state(std::string_view s) noexcept {
    for (auto st :
         {event_state::pending, event_state::done, event_state::dead, event_state::quarantined}) {
        if (state_name(st) == s) {
            return st;
        }
    }
    return std::nullopt;
}

event_store::event_store(const std::string& path, database::mode m,
                         std::chrono::milliseconds busy_timeout)
    : db_(path, m) {
    sqlite3_busy_timeout(db_.handle(), static_cast<int>(busy_timeout.count()));
}

event_store::event_store(const std::string& path, durability d,
                         std::chrono::milliseconds busy_timeout, std::size_t dedup_max_keys)
    : event_store(path, database::mode::read_write_create, busy_timeout) {
    dedup_max_keys_ = dedup_max_keys;
    durability_ = d;
    db_.exec("PRAGMA journal_mode=WAL");
    // full: fsync the WAL on every commit (survives power loss); the group committer
    // moves that fsync out of COMMIT (defer_wal_sync). normal: fsync only at checkpoints
    // (survives a process crash; the last commits may be lost on power loss).
    db_.exec(d == durability::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    db_.exec("PRAGMA foreign_keys=ON");
    // A checkpointed WAL is cut back to this size instead of staying at its largest.
    db_.exec("PRAGMA journal_size_limit=16777216");
    // Freed pages go back to the file system through incremental_vacuum (maintenance).
    // On a new file this takes effect at once; an older one is rebuilt once below.
    db_.exec("PRAGMA auto_vacuum=INCREMENTAL");
    migrate();
}

std::unique_ptr<event_store> event_store::open_existing(const std::string& path,
                                                        std::chrono::milliseconds busy_timeout) {
    std::unique_ptr<event_store> s(new event_store(path, database::mode::read_write, busy_timeout));
    const int v = s->schema_version();
    if (v != k_schema_version) {
        throw store_error(SQLITE_MISMATCH,
                          fmt::format("{} has schema version {}, this solarhook expects {}; start "
                                      "the daemon once to migrate it",
                                      path, v, k_schema_version));
    }
    return s;
}

int event_store::schema_version() {
    auto st = db_.prepare("PRAGMA user_version");
    st.step();
    return static_cast<int>(st.int_at(0));
}

void event_store::migrate() {
    const int from = schema_version();
    if (from > k_schema_version) {
        throw store_error(SQLITE_MISMATCH,
                          fmt::format("database schema version {} is newer than this solarhook "
                                      "({}); refusing to touch it",
                                      from, k_schema_version));
    }
    for (int v = from; v < k_schema_version; ++v) {
        begin();
        try {
            db_.exec(k_migrations[static_cast<std::size_t>(v)]);
            // user_version is the fast check; schema_version keeps when each step ran.
            db_.exec(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                "applied_at INTEGER NOT NULL)");
            db_.exec(
                fmt::format("INSERT INTO schema_version VALUES({}, CAST(strftime('%s','now') "
                            "AS INTEGER) * 1000)",
                            v + 1));
            db_.exec(fmt::format("PRAGMA user_version={}", v + 1));
            commit();
        } catch (...) {
            rollback();
            throw;
        }
    }
    bool rebuilt = false;
    if (auto av = db_.prepare("PRAGMA auto_vacuum"); av.step() && av.int_at(0) != 2) {
        av.reset();
        // A file from before schema 6: rebuilt once, which keeps every row. In WAL
        // mode VACUUM can change exactly this property.
        db_.exec("VACUUM");
        rebuilt = true;
    }
    if ((from > 0 && from < k_schema_version) || rebuilt) {
        // A step that copied a table (or the rebuild) left a WAL as large as the
        // table, and SQLite keeps a WAL file at its largest size: give that back now.
        db_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
}

event_store::~event_store() {
    if (wal_fd_ >= 0) {
        ::close(wal_fd_);
    }
}

bool event_store::defer_wal_sync() {
    if (durability_ != durability::full || wal_fd_ >= 0) {
        return false;
    }
    // The WAL exists: opening the store ran at least the journal_mode read.
    const char* wal = sqlite3_filename_wal(sqlite3_db_filename(db_.handle(), "main"));
    const int fd = wal != nullptr ? ::open(wal, O_RDONLY | O_CLOEXEC) : -1;
    if (fd < 0) {
        throw store_error(SQLITE_CANTOPEN,
                          fmt::format("cannot open the WAL to sync it: {}", std::strerror(errno)));
    }
    // SQLite syncs the directory when it first syncs a new WAL itself; from here on
    // that may come only at a checkpoint, so the file's name is made durable now.
    const auto dir = std::filesystem::path(wal).parent_path();
    const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const bool dir_synced = dir_fd >= 0 && ::fsync(dir_fd) == 0;
    const int err = errno;
    if (dir_fd >= 0) {
        ::close(dir_fd);
    }
    if (!dir_synced) {
        ::close(fd);
        throw store_error(SQLITE_IOERR,
                          fmt::format("cannot sync the WAL's directory: {}", std::strerror(err)));
    }
    db_.exec("PRAGMA synchronous=NORMAL");
    wal_fd_ = fd;
    return true;
}

void event_store::sync_wal() const {
    if (wal_fd_ >= 0 && ::fdatasync(wal_fd_) != 0) {
        throw store_error(SQLITE_IOERR,
                          fmt::format("fdatasync of the WAL failed: {}", std::strerror(errno)));
    }
}

void event_store::begin() {
    txn_marks_.clear();
    db_.exec("BEGIN IMMEDIATE");
}
void event_store::commit() {
    db_.exec("COMMIT");
    txn_marks_.clear();
}
void event_store::rollback() noexcept {
    try {
        db_.exec("ROLLBACK");
    } catch (...) {
        // Nothing to roll back (e.g. COMMIT already failed and SQLite rolled back itself).
    }
    // The rows are gone, so their keys must be too: a retry is a new delivery.
    try {
        // Newest first: the index then gives the room back at once.
        for (auto it = txn_marks_.rbegin(); it != txn_marks_.rend(); ++it) {
            keys_->unmark(*it);
        }
    } catch (...) {
        // Only an allocation can fail here; the mark then outlives its row, and the
        // retried delivery is taken for a duplicate. Nothing better is possible.
    }
    txn_marks_.clear();
}

std::optional<std::int64_t> event_store::insert_event(const new_event& e, millis now,
                                                      millis dedup_expires_at, event_state initial,
                                                      const std::string& reason) {
    if (!keys_) {
        load_dedup_keys(now);
    }
    // An expired key is replaced (a new delivery); a live one is left alone (a duplicate).
    if (keys_->try_mark_until(e.key, from_unix_ms(now), from_unix_ms(dedup_expires_at)) ==
        mark_result::duplicate) {
        return std::nullopt;
    }
    txn_marks_.push_back(e.key);
    // bind_ref: `e` outlives both run() calls below.
    db_.cached("INSERT INTO dedup_log(key, expires_at) VALUES(?1, ?2)")
        .bind_ref(1, e.key)
        .bind(2, dedup_expires_at)
        .run();
    auto& ins = db_.cached(
        "INSERT INTO events(type, dedup_key, raw, typed, received_at, state, attempts, "
        "next_attempt_at, request_id, last_error) VALUES(?1, ?2, ?3, ?4, ?5, ?7, ?9, ?10, ?6, ?8)");
    ins.bind_ref(1, e.type).bind_ref(2, e.key).bind_ref(3, e.raw).bind_ref(4, e.typed);
    ins.bind(5, now).bind_ref(6, e.request_id).bind_ref(7, state_name(initial));
    const bool claimed = e.claimed && initial == event_state::pending;
    ins.bind(9, claimed ? 1 : 0).bind(10, claimed ? k_delivering : now);
    if (reason.empty()) {
        ins.bind_null(8);
    } else {
        ins.bind_ref(8, reason);
    }
    ins.run();
    const auto id = db_.last_insert_rowid();
    if (initial == event_state::quarantined) {
        bound_quarantine(quarantine_max_rows_, quarantine_max_bytes_);
    }
    return id;
}

std::int64_t event_store::insert_quarantined(const std::string& type, const std::string& raw,
                                             const std::string& reason,
                                             const std::string& request_id, millis now) {
    auto& ins = db_.cached(
        "INSERT INTO events(type, raw, received_at, state, next_attempt_at, last_error, "
        "request_id) VALUES(?1, ?2, ?3, 'quarantined', ?3, ?4, ?5)");
    ins.bind(1, type).bind(2, raw).bind(3, now).bind(4, reason).bind(5, request_id).run();
    const auto id = db_.last_insert_rowid();
    bound_quarantine(quarantine_max_rows_, quarantine_max_bytes_);
    return id;
}

void event_store::mark_done(std::int64_t id, bool counted) {
    db_.cached(
           "UPDATE events SET state='done', attempts=attempts+?2, last_error=NULL "
           "WHERE id=?1 AND state='pending'")
        .bind(1, id)
        .bind(2, counted ? 0 : 1)
        .run();
}

std::size_t event_store::release_unrouted(millis now) {
    // It reads every waiting event and its deliveries once (100,000 pending deliveries:
    // about 4 MB of index pages). Through a small page cache, so the read leaves the
    // writer's cache (and the daemon's RSS) as it found it.
    auto size = db_.prepare("PRAGMA cache_size");
    const auto cache_size = size.step() ? size.int_at(0) : -2000;
    db_.exec("PRAGMA cache_size=-256");
    auto st = db_.prepare(
        "UPDATE events SET next_attempt_at=?1 WHERE state='pending' AND next_attempt_at=?2 "
        "AND NOT EXISTS (SELECT 1 FROM deliveries WHERE event_id=events.id AND state=0)");
    try {
        st.bind(1, now).bind(2, k_delivering).run();
    } catch (...) {
        db_.exec(fmt::format("PRAGMA cache_size={}", cache_size));
        throw;
    }
    const auto n = static_cast<std::size_t>(db_.changes());
    db_.exec(fmt::format("PRAGMA cache_size={}", cache_size));
    return n;
}

void event_store::schedule_retry(std::int64_t id, int attempts, millis next_at,
                                 const std::string& error) {
    db_.cached(
           "UPDATE events SET attempts=?2, next_attempt_at=?3, last_error=?4 "
           "WHERE id=?1 AND state='pending'")
        .bind(1, id)
        .bind(2, attempts)
        .bind(3, next_at)
        .bind(4, error)
        .run();
}

void event_store::mark_dead(std::int64_t id, int attempts, const std::string& error) {
    db_.cached(
           "UPDATE events SET state='dead', attempts=?2, last_error=?3 "
           "WHERE id=?1 AND state='pending'")
        .bind(1, id)
        .bind(2, attempts)
        .bind(3, error)
        .run();
}

std::vector<stored_event> event_store::query(statement& st) {
    std::vector<stored_event> out;
    while (st.step()) {
        stored_event e;
        e.id = st.int_at(0);
        e.type = st.text_at(1);
        e.key = st.text_at(2);
        e.raw = st.text_at(3);
        e.typed = st.text_at(4);
        e.received_at = st.int_at(5);
        e.state = parse_state(st.text_at(6)).value_or(event_state::pending);
        e.attempts = static_cast<int>(st.int_at(7));
        e.next_attempt_at = st.int_at(8);
        e.last_error = st.text_at(9);
        e.request_id = st.text_at(10);
        out.push_back(std::move(e));
    }
    st.reset();
    return out;
}

std::vector<stored_event> event_store::due(millis now, int limit, const due_cursor& after) {
    static const std::string sql = fmt::format(
        "SELECT {} FROM events WHERE state='pending' AND next_attempt_at <= ?1 AND "
        "(next_attempt_at, id) > (?3, ?4) ORDER BY next_attempt_at, id LIMIT ?2",
        k_columns);
    auto& st = db_.cached(sql);
    st.bind(1, now).bind(2, limit).bind(3, after.next_attempt_at).bind(4, after.id);
    return query(st);
}

std::optional<millis> event_store::next_due_after(millis now) {
    auto& st = db_.cached(
        "SELECT MIN(next_attempt_at) FROM events WHERE state='pending' AND next_attempt_at > ?1 "
        "AND next_attempt_at < ?2");
    st.bind(1, now).bind(2, k_delivering);
    std::optional<millis> out;
    if (st.step() && !st.null_at(0)) {
        out = st.int_at(0);
    }
    st.reset();
    return out;
}

void event_store::load_dedup_keys(millis now) {
    // The index never calls its own clock: every mark passes its times.
    static const system_clock unused_clock;
    keys_ = std::make_unique<memory_dedup_store>(unused_clock, std::chrono::seconds{0},
                                                 dedup_max_keys_);
    // Oldest expiry first, as the index keeps them. A key with two live rows (marked
    // again after the index had to forget it) keeps its later expiry.
    auto st = db_.prepare(
        "SELECT key, expires_at FROM dedup_log WHERE expires_at > ?1 ORDER BY expires_at, id");
    st.bind(1, now);
    while (st.step()) {
        const auto key = st.text_at(0);
        const auto expires = from_unix_ms(st.int_at(1));
        if (keys_->try_mark_until(key, from_unix_ms(now), expires) == mark_result::duplicate) {
            keys_->unmark(key);
            keys_->try_mark_until(key, from_unix_ms(now), expires);
        }
    }
}

std::uint64_t event_store::dedup_evicted() const {
    return keys_ ? keys_->stats().evicted : 0;
}

std::size_t event_store::purge_dedup(millis now, int limit) {
    db_.prepare(
           "DELETE FROM dedup_log WHERE id IN (SELECT id FROM dedup_log WHERE expires_at <= ?1 "
           "ORDER BY expires_at LIMIT ?2)")
        .bind(1, now)
        .bind(2, limit)
        .run();
    return static_cast<std::size_t>(db_.changes());
}

std::size_t event_store::prune_done(millis received_before, int limit) {
    db_.prepare(
           "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE state='done' AND "
           "received_at < ?1 ORDER BY received_at LIMIT ?2)")
        .bind(1, received_before)
        .bind(2, limit)
        .run();
    return static_cast<std::size_t>(db_.changes());
}

std::pair<std::int64_t, std::int64_t> event_store::quarantine_totals() {
    auto& totals = db_.cached("SELECT rows, bytes FROM quarantine_totals WHERE id = 1");
    std::pair<std::int64_t, std::int64_t> out{0, 0};
    if (totals.step()) {
        out = {totals.int_at(0), totals.int_at(1)};
    }
    totals.reset();
    return out;
}

std::size_t event_store::dedup_live_keys() const {
    return keys_ ? keys_->stats().live : 0;
}

std::size_t event_store::bound_quarantine(std::int64_t max_rows, std::int64_t max_bytes) {
    auto [rows, bytes] = quarantine_totals();
    if (rows <= max_rows && bytes <= max_bytes) {
        return 0;
    }
    // Oldest first, through the events_quarantined index, just enough to fit.
    std::vector<std::int64_t> ids;
    auto& oldest = db_.cached(
        "SELECT id, length(CAST(raw AS BLOB)) FROM events WHERE state = 'quarantined' ORDER BY id");
    while ((rows > max_rows || bytes > max_bytes) && oldest.step()) {
        ids.push_back(oldest.int_at(0));
        --rows;
        bytes -= oldest.int_at(1);
    }
    oldest.reset();
    auto& del = db_.cached("DELETE FROM events WHERE id = ?1");
    for (const auto id : ids) {
        del.bind(1, id).run();
    }
    return ids.size();
}

std::int64_t event_store::free_pages() {
    auto st = db_.prepare("PRAGMA freelist_count");
    return st.step() ? st.int_at(0) : 0;
}

void event_store::release_free_pages(int pages) {
    db_.exec(fmt::format("PRAGMA incremental_vacuum({})", pages));
}

void event_store::checkpoint_truncate() {
    db_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

std::string event_store::path_() const {
    const char* main = sqlite3_db_filename(db_.handle(), "main");
    return main != nullptr ? std::string(main) : std::string();
}

std::int64_t event_store::wal_bytes() {
    std::error_code ec;
    const auto n = std::filesystem::file_size(path_() + "-wal", ec);
    return ec ? 0 : static_cast<std::int64_t>(n);
}

std::int64_t event_store::disk_bytes() {
    std::error_code ec;
    const auto n = std::filesystem::file_size(path_(), ec);
    return (ec ? 0 : static_cast<std::int64_t>(n)) + wal_bytes();
}

std::vector<stored_event> event_store::list(const list_filter& f) {
    std::string sql = fmt::format("SELECT {} FROM events WHERE 1=1", k_columns);
    if (f.state) {
        sql += " AND state=?1";
    }
    if (f.type) {
        sql += " AND type=?2";
    }
    if (f.since) {
        sql += " AND received_at>=?3";
    }
    sql += " ORDER BY id DESC LIMIT ?4";
    auto st = db_.prepare(sql);
    if (f.state) {
        st.bind(1, state_name(*f.state));
    }
    if (f.type) {
        st.bind(2, *f.type);
    }
    if (f.since) {
        st.bind(3, *f.since);
    }
    st.bind(4, f.limit);
    return query(st);
}

std::optional<stored_event> event_store::get(std::int64_t id) {
    auto& st = db_.cached(fmt::format("SELECT {} FROM events WHERE id=?1", k_columns));
    st.bind(1, id);
    auto rows = query(st);
    if (rows.empty()) {
        return std::nullopt;
    }
    return std::move(rows.front());
}

void event_store::count_quarantine() {
    db_.exec(
        "UPDATE quarantine_totals SET (rows, bytes) = (SELECT COUNT(*), "
        "COALESCE(SUM(length(CAST(raw AS BLOB))), 0) FROM events WHERE state = 'quarantined') "
        "WHERE id = 1");
}

std::size_t event_store::replay(const std::vector<std::int64_t>& ids, millis now) {
    auto st = db_.prepare(
        "UPDATE events SET state='pending', next_attempt_at=?2, attempts=0 "
        "WHERE id=?1 AND state IN ('dead','quarantined','done')");
    std::size_t n = 0;
    for (auto id : ids) {
        st.bind(1, id).bind(2, now).run();
        n += static_cast<std::size_t>(db_.changes());
    }
    count_quarantine();
    return n;
}

std::size_t event_store::replay_state(event_state s, millis now) {
    db_.prepare("UPDATE events SET state='pending', next_attempt_at=?2, attempts=0 WHERE state=?1")
        .bind(1, state_name(s))
        .bind(2, now)
        .run();
    const auto n = static_cast<std::size_t>(db_.changes());
    if (s == event_state::quarantined) {
        count_quarantine();
    }
    return n;
}

store_stats event_store::stats() {
    store_stats s;
    auto st = db_.prepare("SELECT state, type, COUNT(*) FROM events GROUP BY state, type");
    while (st.step()) {
        s.by_state_and_type[st.text_at(0)][st.text_at(1)] = st.int_at(2);
    }
    auto oldest = db_.prepare("SELECT MIN(received_at) FROM events WHERE state='pending'");
    if (oldest.step() && !oldest.null_at(0)) {
        s.oldest_pending = oldest.int_at(0);
    }
    auto keys = db_.prepare("SELECT COUNT(*) FROM dedup_log");
    keys.step();
    s.dedup_keys = keys.int_at(0);
    auto deliveries = db_.prepare("SELECT sink, state, COUNT(*) FROM deliveries GROUP BY 1, 2");
    while (deliveries.step()) {
        s.deliveries_by_sink_and_state[deliveries.text_at(0)][std::string(delivery_state_name(
            static_cast<delivery_state>(deliveries.int_at(1))))] = deliveries.int_at(2);
    }
    return s;
}

}  // namespace solarhook::store
