#include "solarhook/store/event_store.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <filesystem>

#include "support/temp_dir.hpp"

namespace solarhook::store {
namespace {

using namespace std::chrono_literals;

new_event ev(const std::string& key, const std::string& type = "recent_draft_project") {
    return new_event{type, key, R"({"pkcustomerquotationid":1})", R"({"pkcustomerquotationid":1})",
                     "req"};
}

struct tx {
    explicit tx(event_store& s) : s_(s) { s_.begin(); }
    ~tx() { s_.commit(); }
    event_store& s_;
};

// One column of every row `sql` yields, each followed by ';'.
std::string column_of_every_row(event_store& s, const std::string& sql, int column) {
    auto st = s.db().prepare(sql);
    std::string all;
    while (st.step()) {
        all += st.text_at(column) + ";";
    }
    return all;
}

// The totals the bound is checked against, as the triggers keep them.
std::pair<std::int64_t, std::int64_t> quarantine_totals(event_store& s) {
    auto q = s.db().prepare("SELECT rows, bytes FROM quarantine_totals");
    EXPECT_TRUE(q.step());
    return {q.int_at(0), q.int_at(1)};
}

TEST(event_store, migrates_an_empty_database_to_the_current_schema) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::full, 1s);
    EXPECT_EQ(s.schema_version(), event_store::k_schema_version);
    auto mode = s.db().prepare("PRAGMA journal_mode");
    ASSERT_TRUE(mode.step());
    EXPECT_EQ(mode.text_at(0), "wal");
    auto sync = s.db().prepare("PRAGMA synchronous");
    ASSERT_TRUE(sync.step());
    EXPECT_EQ(sync.int_at(0), 2);  // FULL
    auto steps = s.db().prepare("SELECT group_concat(version) FROM schema_version");
    ASSERT_TRUE(steps.step());
    EXPECT_EQ(steps.text_at(0), "1,2,3,4,5,6,7");
}

TEST(event_store, the_hot_queries_use_the_partial_indexes) {
    test::temp_dir dir;
    event_store s(dir.file("plan.db"), durability::normal, 1s);
    const auto plan = [&](const std::string& sql) {
        return column_of_every_row(s, "EXPLAIN QUERY PLAN " + sql, 3);  // the plan's detail
    };
    EXPECT_NE(plan("SELECT id FROM events WHERE state='pending' AND next_attempt_at <= 5 "
                   "ORDER BY next_attempt_at, id LIMIT 10")
                  .find("events_due"),
              std::string::npos);
    EXPECT_NE(plan("SELECT id FROM events WHERE state='done' AND received_at < 5 ORDER BY "
                   "received_at LIMIT 10")
                  .find("events_done"),
              std::string::npos);
    EXPECT_NE(plan("SELECT id FROM events WHERE state='quarantined'").find("events_quarantined"),
              std::string::npos);
    EXPECT_NE(plan("SELECT id FROM dedup_log WHERE expires_at <= 5 ORDER BY expires_at LIMIT 10")
                  .find("dedup_log_expiry"),
              std::string::npos);
}

// SQLite checks `state IN (four values)` through a temporary b-tree it builds on
// every write; the writer's cost per event halved when the check became comparisons.
TEST(event_store, writing_an_event_row_builds_no_temporary_btree) {
    test::temp_dir dir;
    event_store s(dir.file("plan.db"), durability::normal, 1s);
    const auto ops = [&](const std::string& sql) {
        return column_of_every_row(s, "EXPLAIN " + sql, 1);  // the opcode
    };
    for (const std::string sql :
         {"INSERT INTO events(type, raw, received_at, state) VALUES('t', '{}', 1, 'pending')",
          "UPDATE events SET state='done', attempts=attempts+1 WHERE id=1 AND state='pending'"}) {
        const auto program = ops(sql);
        EXPECT_NE(program.find("Insert"), std::string::npos) << sql;
        EXPECT_EQ(program.find("OpenEphemeral"), std::string::npos) << sql;
    }
    // The check itself still holds.
    EXPECT_THROW(s.db().exec("INSERT INTO events(type, raw, received_at, state) "
                             "VALUES('t', '{}', 1, 'lost')"),
                 store_error);
}

// The version-4 schema as it shipped: version 1's table, version 2's column.
constexpr const char* k_version_4_schema = R"(CREATE TABLE events (
     id INTEGER PRIMARY KEY, type TEXT NOT NULL, dedup_key TEXT, raw TEXT NOT NULL,
     typed TEXT NOT NULL DEFAULT '{}', received_at INTEGER NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('pending','done','dead','quarantined')),
     attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0,
     last_error TEXT, request_id TEXT NOT NULL DEFAULT '');
   CREATE INDEX events_due ON events(next_attempt_at) WHERE state='pending';
   CREATE INDEX events_done ON events(received_at) WHERE state='done';
   CREATE INDEX events_quarantined ON events(id) WHERE state='quarantined';
   CREATE INDEX events_dead ON events(id) WHERE state='dead';
   CREATE TABLE dedup_log (id INTEGER PRIMARY KEY, key TEXT NOT NULL,
                           expires_at INTEGER NOT NULL);
   CREATE INDEX dedup_log_expiry ON dedup_log(expires_at);
   PRAGMA journal_mode=WAL;)";

TEST(event_store, a_migration_that_copies_the_events_gives_the_wal_space_back) {
    test::temp_dir dir;
    const auto path = dir.file("big.db");
    {
        database db(path, database::mode::read_write_create);
        db.exec(k_version_4_schema);
        // About 8 MB of payloads, so the copy's WAL would be at least that large.
        db.exec(R"(WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 4000)
                   INSERT INTO events(type, raw, received_at, state)
                   SELECT 'customer_created', hex(randomblob(1000)), x, 'done' FROM n;
                   PRAGMA wal_checkpoint(TRUNCATE);
                   PRAGMA user_version=4;)");
    }
    event_store s(path, durability::normal, 1s);
    ASSERT_EQ(s.schema_version(), event_store::k_schema_version);
    EXPECT_EQ(s.list(list_filter{event_state::done, std::nullopt, std::nullopt, 5000}).size(),
              4000u);
    EXPECT_LT(std::filesystem::file_size(path + "-wal"), 1u << 20);
}

TEST(event_store, migrates_a_version_4_database_keeping_every_column) {
    test::temp_dir dir;
    const auto path = dir.file("v4.db");
    {
        database db(path, database::mode::read_write_create);
        db.exec(k_version_4_schema);
        db.exec(R"(INSERT INTO events VALUES(7, 'customer_created', 'k7', '{"a":1}', '{"t":1}', 50,
                                     'dead', 3, 60, 'boom', 'req-7');
           INSERT INTO events VALUES(9, 'sms_received', NULL, 'x', '{}', 51, 'quarantined', 0,
                                     51, 'unclassified', 'req-9');
           INSERT INTO events(id, type, dedup_key, raw, received_at, state, next_attempt_at)
             VALUES(12, 'email_sent', 'k12', '{}', 52, 'pending', 70);
           INSERT INTO dedup_log(key, expires_at) VALUES('k12', 99);
           PRAGMA user_version=4;)");
    }
    event_store s(path, durability::normal, 1s);
    EXPECT_EQ(s.schema_version(), event_store::k_schema_version);
    const auto dead = s.get(7);
    ASSERT_TRUE(dead);
    EXPECT_EQ(dead->type, "customer_created");
    EXPECT_EQ(dead->key, "k7");
    EXPECT_EQ(dead->raw, R"({"a":1})");
    EXPECT_EQ(dead->typed, R"({"t":1})");
    EXPECT_EQ(dead->received_at, 50);
    EXPECT_EQ(dead->state, event_state::dead);
    EXPECT_EQ(dead->attempts, 3);
    EXPECT_EQ(dead->next_attempt_at, 60);
    EXPECT_EQ(dead->last_error, "boom");
    EXPECT_EQ(dead->request_id, "req-7");
    EXPECT_EQ(
        s.list(list_filter{event_state::quarantined, std::nullopt, std::nullopt, 50}).at(0).id, 9);
    // The state indexes came back with the table.
    const auto due = s.due(100, 10);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].id, 12);
    auto indexes = s.db().prepare(
        "SELECT group_concat(name) FROM (SELECT name FROM sqlite_schema WHERE type='index' AND "
        "tbl_name='events' ORDER BY name)");
    ASSERT_TRUE(indexes.step());
    EXPECT_EQ(indexes.text_at(0), "events_dead,events_done,events_due,events_quarantined");
    // Schema 6: the file was rebuilt for incremental vacuum, the quarantine counted.
    auto av = s.db().prepare("PRAGMA auto_vacuum");
    ASSERT_TRUE(av.step());
    EXPECT_EQ(av.int_at(0), 2);
    EXPECT_EQ(quarantine_totals(s), (std::pair<std::int64_t, std::int64_t>{1, 1}));
    tx t(s);
    EXPECT_FALSE(s.insert_event(ev("k12"), 10, 1000));  // its key is still live
    const auto next = s.insert_event(ev("new"), 10, 1000);
    ASSERT_TRUE(next);
    EXPECT_GT(*next, 12);
}

TEST(event_store, migrates_a_version_1_database_keeping_its_rows) {
    test::temp_dir dir;
    const auto path = dir.file("v1.db");
    {
        database db(path, database::mode::read_write_create);
        // The version-1 schema exactly as the first journal shipped it.
        db.exec(R"(CREATE TABLE events (
             id INTEGER PRIMARY KEY, type TEXT NOT NULL, dedup_key TEXT, raw TEXT NOT NULL,
             typed TEXT NOT NULL DEFAULT '{}', received_at INTEGER NOT NULL,
             state TEXT NOT NULL CHECK (state IN ('pending','done','dead','quarantined')),
             attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0,
             last_error TEXT);
           CREATE INDEX events_due ON events(state, next_attempt_at);
           CREATE TABLE dedup (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
           CREATE INDEX dedup_expiry ON dedup(expires_at);
           INSERT INTO events(type, dedup_key, raw, received_at, state) VALUES('customer_created','k','{}',5,'pending');
           INSERT INTO dedup VALUES('k', 99);
           PRAGMA user_version=1;)");
    }
    event_store s(path, durability::normal, 1s);
    EXPECT_EQ(s.schema_version(), event_store::k_schema_version);
    auto steps = s.db().prepare("SELECT group_concat(version) FROM schema_version");
    ASSERT_TRUE(steps.step());
    EXPECT_EQ(steps.text_at(0), "2,3,4,5,6,7");  // only the steps this run applied
    const auto e = s.get(1);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->type, "customer_created");
    EXPECT_EQ(e->request_id, "");
    // The old dedup key is still live, now in the key log.
    auto old = s.db().prepare("SELECT key, expires_at FROM dedup_log");
    ASSERT_TRUE(old.step());
    EXPECT_EQ(old.text_at(0), "k");
    EXPECT_EQ(old.int_at(1), 99);
    tx t(s);
    EXPECT_FALSE(s.insert_event(ev("k"), 10, 1000));
}

TEST(event_store, refuses_a_newer_schema) {
    test::temp_dir dir;
    {
        database db(dir.file("new.db"), database::mode::read_write_create);
        db.exec("PRAGMA user_version=99");
    }
    EXPECT_THROW(event_store(dir.file("new.db"), durability::full, 1s), store_error);
}

TEST(event_store, dedup_key_decides_and_expires) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::normal, 1s);
    tx t(s);
    const auto id = s.insert_event(ev("k"), 100, 200);
    ASSERT_TRUE(id);
    EXPECT_FALSE(s.insert_event(ev("k"), 150, 250));       // live: duplicate, no row
    const auto again = s.insert_event(ev("k"), 200, 300);  // expired: a new delivery
    ASSERT_TRUE(again);
    EXPECT_NE(*again, *id);
    EXPECT_EQ(s.list({}).size(), 2u);
}

TEST(event_store, a_rolled_back_insert_leaves_no_key_behind) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::normal, 1s);
    s.begin();
    ASSERT_TRUE(s.insert_event(ev("k"), 100, 200));
    s.rollback();
    {
        tx t(s);
        EXPECT_TRUE(s.insert_event(ev("k"), 110, 210));  // the retry is stored
        EXPECT_FALSE(s.insert_event(ev("k"), 120, 220));
    }
    EXPECT_EQ(s.list({}).size(), 1u);
}

TEST(event_store, live_keys_outlive_the_process_and_expired_ones_do_not) {
    test::temp_dir dir;
    const auto path = dir.file("a.db");
    {
        event_store s(path, durability::full, 1s);
        tx t(s);
        ASSERT_TRUE(s.insert_event(ev("long"), 100, 1000));
        ASSERT_TRUE(s.insert_event(ev("short"), 100, 200));
    }
    event_store s(path, durability::full, 1s);
    s.load_dedup_keys(500);
    tx t(s);
    EXPECT_FALSE(s.insert_event(ev("long"), 500, 1500));  // still live after the restart
    EXPECT_TRUE(s.insert_event(ev("short"), 500, 1500));  // expired before it
}

TEST(event_store, the_key_index_is_bounded_and_counts_what_it_forgets) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::normal, 1s, 2);
    tx t(s);
    ASSERT_TRUE(s.insert_event(ev("a"), 100, 1000));
    ASSERT_TRUE(s.insert_event(ev("b"), 100, 1001));
    ASSERT_TRUE(s.insert_event(ev("c"), 100, 1002));  // "a", first to expire, is forgotten
    EXPECT_EQ(s.dedup_evicted(), 1u);
    EXPECT_FALSE(s.insert_event(ev("c"), 101, 1003));
    EXPECT_TRUE(s.insert_event(ev("a"), 101, 5000));  // forgotten: taken as new, logged again
}

TEST(event_store, a_key_logged_twice_is_read_back_with_its_later_expiry) {
    test::temp_dir dir;
    const auto path = dir.file("a.db");
    {
        event_store s(path, durability::normal, 1s, 1);
        tx t(s);
        ASSERT_TRUE(s.insert_event(ev("a"), 100, 1000));
        ASSERT_TRUE(s.insert_event(ev("b"), 100, 1001));  // "a" forgotten
        ASSERT_TRUE(s.insert_event(ev("a"), 100, 5000));  // "a" logged again
    }
    event_store s(path, durability::normal, 1s);
    s.load_dedup_keys(500);  // both rows of "a" are live: the later expiry must win
    tx t(s);
    EXPECT_FALSE(s.insert_event(ev("a"), 2000, 9000));
    EXPECT_TRUE(s.insert_event(ev("b"), 2000, 9000));
}

TEST(event_store, retry_done_dead_and_due) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::normal, 1s);
    tx t(s);
    const auto a = *s.insert_event(ev("a"), 100, 10'000);
    const auto b = *s.insert_event(ev("b"), 101, 10'000);
    const auto c = *s.insert_event(ev("c"), 102, 10'000);
    EXPECT_EQ(s.due(100, 10).size(), 1u);
    EXPECT_EQ(s.due(1000, 10).size(), 3u);
    s.mark_done(a);
    s.schedule_retry(b, 1, 5000, "boom");
    s.mark_dead(c, 10, "gave up");
    EXPECT_TRUE(s.due(4999, 10).empty());
    ASSERT_EQ(s.due(5000, 10).size(), 1u);
    EXPECT_EQ(s.get(b)->last_error, "boom");
    EXPECT_EQ(s.get(a)->state, event_state::done);
    EXPECT_EQ(s.get(c)->state, event_state::dead);
    EXPECT_EQ(s.replay_state(event_state::dead, 6000), 1u);
    EXPECT_EQ(s.get(c)->state, event_state::pending);
    EXPECT_EQ(s.get(c)->attempts, 0);
    EXPECT_EQ(s.replay({a, 424242}, 6000), 1u);
}

TEST(event_store, retention_and_quarantine_bounds) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::normal, 1s);
    tx t(s);
    for (int i = 0; i < 10; ++i) {
        s.mark_done(*s.insert_event(ev(fmt::format("d{}", i)), i, 5));
    }
    EXPECT_EQ(s.purge_dedup(5, 4), 4u);  // small batches
    EXPECT_EQ(s.purge_dedup(5, 100), 6u);
    EXPECT_EQ(s.prune_done(5, 3), 3u);  // received before 5: ids 0..4
    EXPECT_EQ(s.prune_done(5, 100), 2u);
    EXPECT_EQ(s.list({}).size(), 5u);

    for (int i = 0; i < 5; ++i) {
        s.insert_quarantined("x", std::string(100, 'a'), "why", "r", i);
    }
    EXPECT_EQ(s.bound_quarantine(3, 1'000'000), 2u);
    EXPECT_EQ(s.bound_quarantine(100, 250), 1u);  // 2 × 100 bytes fit in 250
    const auto left = s.list(list_filter{event_state::quarantined, std::nullopt, std::nullopt, 50});
    ASSERT_EQ(left.size(), 2u);
    EXPECT_GT(left[0].id, left[1].id);  // newest kept
}

TEST(event_store, the_quarantine_bound_holds_at_every_insert) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::normal, 1s);
    s.set_quarantine_bound(3, 1'000'000);
    tx t(s);
    for (int i = 0; i < 10; ++i) {
        s.insert_quarantined("x", std::string(100, 'a'), "why", "r", i);
        EXPECT_LE(quarantine_totals(s).first, 3);
    }
    auto left = s.list(list_filter{event_state::quarantined, std::nullopt, std::nullopt, 50});
    ASSERT_EQ(left.size(), 3u);
    EXPECT_EQ(left.back().id, 8);  // the three newest: 8, 9, 10
    // By bytes (multi-byte text counts in bytes): 3 x 300 bytes fit in 1,000, a fourth does not.
    s.set_quarantine_bound(1'000'000, 1000);
    const std::string body = std::string(296, 'b') + "\u00e9\u00e9";  // 300 bytes, 298 characters
    for (int i = 0; i < 5; ++i) {
        s.insert_quarantined("y", body, "why", "r", 100 + i);
        EXPECT_LE(quarantine_totals(s).second, 1000);
    }
    EXPECT_EQ(quarantine_totals(s), (std::pair<std::int64_t, std::int64_t>{3, 900}));
    // An unclassified event starts quarantined: bounded the same way.
    s.set_quarantine_bound(2, 1'000'000);
    s.insert_event(ev("u1", "contract_signed"), 1, 100, event_state::quarantined, "unclassified");
    EXPECT_EQ(quarantine_totals(s).first, 2);
    // Replays and deletes keep the totals exact.
    left = s.list(list_filter{event_state::quarantined, std::nullopt, std::nullopt, 50});
    EXPECT_EQ(s.replay({left[0].id}, 5), 1u);
    EXPECT_EQ(quarantine_totals(s).first, 1);
    s.db().exec("DELETE FROM events WHERE state = 'quarantined'");
    EXPECT_EQ(quarantine_totals(s), (std::pair<std::int64_t, std::int64_t>{0, 0}));
}

TEST(event_store, list_filters_and_stats) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::normal, 1s);
    tx t(s);
    s.insert_event(ev("a", "customer_created"), 100, 10'000);
    s.insert_event(ev("b", "recent_draft_project"), 200, 10'000);
    s.insert_quarantined("contract_signed", "{}", "unclassified", "r", 300);
    EXPECT_EQ(
        s.list(list_filter{std::nullopt, std::string("customer_created"), std::nullopt, 50}).size(),
        1u);
    EXPECT_EQ(s.list(list_filter{std::nullopt, std::nullopt, 150, 50}).size(), 2u);
    EXPECT_EQ(s.list(list_filter{std::nullopt, std::nullopt, std::nullopt, 1}).size(), 1u);
    const auto st = s.stats();
    EXPECT_EQ(st.by_state_and_type.at("pending").at("customer_created"), 1);
    EXPECT_EQ(st.by_state_and_type.at("quarantined").at("contract_signed"), 1);
    EXPECT_EQ(st.oldest_pending, 100);
    EXPECT_EQ(st.dedup_keys, 2);
}

TEST(event_store, only_full_durability_takes_the_wal_sync_out_of_commit) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::normal, 1s);
    EXPECT_FALSE(s.defer_wal_sync());
    event_store f(dir.file("b.db"), durability::full, 1s);
    auto level = [](event_store& st) {
        auto q = st.db().prepare("PRAGMA synchronous");
        q.step();
        return q.int_at(0);
    };
    EXPECT_EQ(level(f), 2);  // FULL until the committer takes the sync over
    EXPECT_TRUE(f.defer_wal_sync());
    EXPECT_EQ(level(f), 1);  // NORMAL: COMMIT leaves the sync to sync_wal()
    EXPECT_FALSE(f.defer_wal_sync());
    EXPECT_NO_THROW(f.sync_wal());
}

}  // namespace
}  // namespace solarhook::store
