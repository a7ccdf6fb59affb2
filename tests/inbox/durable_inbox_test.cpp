// The durable inbox inside a real service: real SQLite files, real HTTP,
// an injected clock for retry timing.
#include "solarhook/inbox/durable_inbox.hpp"

#include <gtest/gtest.h>

#include <limits>

#include <future>
#include <iostream>
#include <set>
#include <sstream>

#include "solarhook/app/events_cli.hpp"
#include "support/http_client.hpp"
#include "support/log_capture.hpp"
#include "support/temp_dir.hpp"
#include "support/test_service.hpp"
#include "support/wait.hpp"

namespace solarhook {
namespace {

using namespace std::chrono_literals;
const std::string k_path = "/webhooks/solarproof";

config durable_config(const test::temp_dir& dir) {
    config c = test::test_config();
    c.store.kind = store_kind::sqlite;
    c.store.data_dir = dir.path().string();
    c.store.durability = durability_level::normal;
    c.store.dispatch_poll = 10ms;
    c.store.busy_timeout = 200ms;
    c.retry.initial = 1s;
    c.retry.max_attempts = 3;
    return c;
}

struct durable_service {
    durable_service(config c, std::shared_ptr<test::recording_handler> rec)
        : recorder(std::move(rec)),
          svc(std::make_unique<app::service>(
              std::move(c), std::vector<std::shared_ptr<handler>>{recorder}, clk)) {
        svc->start();
    }
    ~durable_service() {
        recorder->open_gate();
        svc->shutdown();
    }
    std::uint16_t port() const { return svc->port(); }
    store::event_store reader() const {
        return store::event_store(svc->database_path(), store::durability::normal, 1s);
    }
    std::optional<store::stored_event> row(std::int64_t id) const { return reader().get(id); }

    // Starts at the real time: the CLI stamps replays with the wall clock.
    manual_clock clk{std::chrono::system_clock::now()};
    std::shared_ptr<test::recording_handler> recorder;
    std::unique_ptr<app::service> svc;
};

std::string draft(int id) {
    return R"({"pkcustomerquotationid":)" + std::to_string(id) + "}";
}

TEST(durable_inbox, an_acknowledged_event_is_already_in_the_journal) {
    test::log_capture logs;
    test::temp_dir dir;
    // A gated handler: nothing is processed, so only the insert can explain the row.
    durable_service s(durable_config(dir), std::make_shared<test::recording_handler>(true));
    const auto r = test::post(s.port(), k_path, draft(1));
    ASSERT_EQ(r.status, 200);
    const auto e = s.row(1);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->state, store::event_state::pending);
    EXPECT_EQ(e->key, r.json()["events"][0]["key"]);
    EXPECT_EQ(e->type, "recent_draft_project");
    EXPECT_EQ(test::post(s.port(), k_path, draft(1)).json()["events"][0]["result"], "duplicate");
    s.recorder->open_gate();
    ASSERT_TRUE(s.recorder->wait_count(1));
    ASSERT_TRUE(test::eventually([&] { return s.row(1)->state == store::event_state::done; }));
}

TEST(durable_inbox, the_journal_keeps_a_lone_object_verbatim_and_array_elements_serialised) {
    test::log_capture logs;
    test::temp_dir dir;
    durable_service s(durable_config(dir), std::make_shared<test::recording_handler>(true));
    const std::string lone = "\n { \"pkcustomerquotationid\" : \"7\", \"zz\": [1, 2] }\n";
    ASSERT_EQ(test::post(s.port(), k_path, lone).status, 200);
    ASSERT_EQ(test::post(s.port(), k_path, "[" + draft(8) + " , " + draft(9) + "]").status, 200);
    EXPECT_EQ(s.row(1)->raw, lone);  // exactly as received
    EXPECT_EQ(s.row(2)->raw, R"({"pkcustomerquotationid":8})");
    EXPECT_EQ(s.row(3)->raw, R"({"pkcustomerquotationid":9})");
}

TEST(durable_inbox, pending_rows_left_by_a_previous_run_are_dispatched_and_a_damaged_one_dies) {
    test::log_capture logs;
    test::temp_dir dir;
    const auto path = dir.file("solarhook.db");
    {
        store::event_store st(path, store::durability::normal, 1s);
        st.begin();
        for (int i = 0; i < 5; ++i) {
            st.insert_event(store::new_event{"recent_draft_project", "k" + std::to_string(i),
                                             draft(i), "{}", "old"},
                            1000, 2000);
        }
        // A row damaged on disk: it cannot be decoded, so it dies with the reason
        // instead of blocking the queue or reaching a handler.
        st.insert_event(
            store::new_event{"recent_draft_project", "k-bad", "{\"pkcustomerquot", "{}", "old"},
            1000, 2000);
        st.commit();
    }
    durable_service s(durable_config(dir), std::make_shared<test::recording_handler>());
    ASSERT_TRUE(s.recorder->wait_count(5));
    ASSERT_TRUE(test::eventually([&] {
        const auto st = s.reader().stats();
        return !st.oldest_pending.has_value();
    }));
    EXPECT_EQ(s.recorder->seen()[0].event.type, event_type::recent_draft_project);
    EXPECT_EQ(s.recorder->count(), 5u);
    const auto bad = s.row(6);
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->state, store::event_state::dead);
    EXPECT_NE(bad->last_error.find("stored payload does not decode: malformed JSON"),
              std::string::npos)
        << bad->last_error;
}

TEST(durable_inbox, an_event_a_stop_left_claimed_but_unrouted_is_dispatched_at_the_next_start) {
    test::log_capture logs;
    test::temp_dir dir;
    {
        // What a run that stopped between an event's commit and its routing leaves:
        // the row waits for a worker that is gone.
        store::event_store st(dir.file("solarhook.db"), store::durability::normal, 1s);
        st.begin();
        store::new_event e{"recent_draft_project", "k1", draft(1), "{}", "old"};
        e.claimed = true;
        // Received now: a row from 1970 would be done past retention, and the first
        // maintenance round could delete it before the test reads it.
        const auto now = to_unix_ms(std::chrono::system_clock::now());
        st.insert_event(e, now, now + 60'000);
        st.commit();
        ASSERT_TRUE(st.due(std::numeric_limits<store::millis>::max() - 1, 10).empty());
    }
    durable_service s(durable_config(dir), std::make_shared<test::recording_handler>());
    ASSERT_TRUE(s.recorder->wait_count(1));
    ASSERT_TRUE(test::eventually([&] { return s.row(1)->state == store::event_state::done; }));
    EXPECT_EQ(s.row(1)->attempts, 2);
    EXPECT_EQ(logs.count("events accepted before the last stop and not yet routed are "
                         "dispatched now"),
              1u);
}

TEST(durable_inbox, events_the_queue_has_no_room_for_wait_on_disk_and_are_dispatched_later) {
    test::log_capture logs;
    test::temp_dir dir;
    auto c = durable_config(dir);
    c.queue_capacity = 2;
    durable_service s(c, std::make_shared<test::recording_handler>(true));
    for (int i = 1; i <= 6; ++i) {
        ASSERT_EQ(test::post(s.port(), k_path, draft(i)).status, 200);
    }
    // Each row went in either claimed by a queue slot (waiting, its attempt counted) or
    // due for the dispatcher; with two slots and two gated workers, some had to wait.
    int waiting_on_disk = 0;
    for (int id = 1; id <= 6; ++id) {
        const auto e = *s.row(id);
        if (e.next_attempt_at == store::k_delivering) {
            EXPECT_EQ(e.attempts, 1);
        } else {
            EXPECT_EQ(e.attempts, 0);
            ++waiting_on_disk;
        }
    }
    EXPECT_GE(waiting_on_disk, 1);
    s.recorder->open_gate();
    ASSERT_TRUE(test::eventually([&] {
        for (int id = 1; id <= 6; ++id) {
            if (s.row(id)->state != store::event_state::done) {
                return false;
            }
        }
        return true;
    }));
    EXPECT_EQ(s.recorder->count(), 6u) << "each handled once";
}

TEST(durable_inbox, keys_past_max_entries_are_forgotten_oldest_first_and_the_operator_told) {
    test::log_capture logs;
    test::temp_dir dir;
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    {
        store::event_store st(dir.file("solarhook.db"), store::durability::normal, 1s);
        st.begin();
        for (int i = 0; i < 3; ++i) {  // "k0" expires first
            st.insert_event(store::new_event{"recent_draft_project", "k" + std::to_string(i),
                                             draft(i), "{}", "old"},
                            now, now + 3'600'000 + i);
        }
        st.commit();
    }
    auto c = durable_config(dir);
    c.dedup.max_entries = 2;
    durable_service s(c, std::make_shared<test::recording_handler>());
    ASSERT_TRUE(logs.sink->wait_for([](const auto& recs) {
        for (const auto& r : recs) {
            if (r["msg"] == "dedup keys forgotten before their TTL: raise dedup.max_entries") {
                return r["forgotten"] == 1 && r["forgotten_since_start"] == 1;
            }
        }
        return false;
    }));
    EXPECT_EQ(s.reader().stats().dedup_keys, 3);  // forgotten in memory, not deleted early
}

TEST(durable_inbox, failures_back_off_then_die_and_a_replay_brings_them_back) {
    test::log_capture logs;
    test::temp_dir dir;
    auto rec = std::make_shared<test::recording_handler>();
    rec->throw_on("recent_draft_project");
    durable_service s(durable_config(dir), rec);
    ASSERT_EQ(test::post(s.port(), k_path, draft(7)).status, 200);

    // Attempt 1 fails: a retry is scheduled 0.5-1 s later by the injected clock. (The
    // row counts its first attempt from its insert: wait for the failure itself.)
    ASSERT_TRUE(test::eventually([&] { return !s.row(1)->last_error.empty(); }));
    EXPECT_EQ(s.row(1)->attempts, 1);
    auto e = *s.row(1);
    EXPECT_EQ(e.state, store::event_state::pending);
    EXPECT_NE(e.last_error.find("test handler refuses"), std::string::npos);
    const auto t0 =
        std::chrono::duration_cast<std::chrono::milliseconds>(s.clk.now().time_since_epoch())
            .count();
    EXPECT_GE(e.next_attempt_at - t0, 500);
    EXPECT_LE(e.next_attempt_at - t0, 1000);
    // Not retried before its time, however often the dispatcher polls.
    s.svc->durable()->wake();
    EXPECT_FALSE(test::eventually([&] { return s.row(1)->attempts > 1; }, 100ms));

    s.clk.advance(1s);
    ASSERT_TRUE(test::eventually([&] { return s.row(1)->attempts == 2; }));
    EXPECT_EQ(s.row(1)->state, store::event_state::pending);
    const auto second =
        s.row(1)->next_attempt_at -
        std::chrono::duration_cast<std::chrono::milliseconds>(s.clk.now().time_since_epoch())
            .count();
    EXPECT_GE(second, 1000);  // the step doubled
    EXPECT_LE(second, 2000);

    s.clk.advance(2s);
    ASSERT_TRUE(test::eventually([&] { return s.row(1)->state == store::event_state::dead; }));
    EXPECT_EQ(s.row(1)->attempts, 3);
    EXPECT_EQ(logs.count("event dead: giving up"), 1u);

    // The operator fixes the sink and replays the dead event from the CLI.
    rec->throw_on("");
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(app::run_events_cli({"replay", "--state", "dead", "--data-dir", dir.path().string()},
                                  out, err),
              0)
        << err.str();
    EXPECT_NE(out.str().find("replayed 1"), std::string::npos);
    ASSERT_TRUE(rec->wait_count(1));
    ASSERT_TRUE(test::eventually([&] { return s.row(1)->state == store::event_state::done; }));
}

TEST(durable_inbox, a_full_disk_answers_503_stores_nothing_and_recovers) {
    test::log_capture logs;
    test::temp_dir dir;
    durable_service s(durable_config(dir), std::make_shared<test::recording_handler>());
    ASSERT_EQ(test::post(s.port(), k_path, draft(1)).status, 200);

    // SQLite's own size cap on the writer connection behaves exactly like a full disk.
    std::promise<void> capped;
    s.svc->committer()->submit(
        [](store::event_store& st) {
            auto q = st.db().prepare("PRAGMA page_count");
            q.step();
            auto f = st.db().prepare("PRAGMA freelist_count");
            f.step();
            std::fprintf(stderr, "DEBUG page_count=%lld freelist=%lld\n", (long long)q.int_at(0),
                         (long long)f.int_at(0));
            st.db().exec("PRAGMA max_page_count=" + std::to_string(q.int_at(0)));
        },
        [&](const auto&) { capped.set_value(); });
    ASSERT_EQ(capped.get_future().wait_for(10s), std::future_status::ready);
    const std::string big =
        R"({"pkcustomerquotationid":2,"siteaddress":")" + std::string(60'000, 'x') + "\"}";
    const auto refused = test::post(s.port(), k_path, big);
    EXPECT_EQ(refused.status, 503) << refused.body;
    EXPECT_EQ(refused.json()["error"], "store_unavailable");
    EXPECT_FALSE(refused.header("retry-after").empty());
    EXPECT_EQ(test::request(s.port(), "GET", "/readyz").status, 503);
    EXPECT_FALSE(s.row(2).has_value());  // nothing acknowledged, nothing stored

    std::promise<void> freed;
    s.svc->committer()->submit(
        [](store::event_store& st) { st.db().exec("PRAGMA max_page_count=1073741823"); },
        [&](const auto&) { freed.set_value(); });
    ASSERT_EQ(freed.get_future().wait_for(10s), std::future_status::ready);
    // The dispatcher's probe commit brings readiness back by itself.
    ASSERT_TRUE(
        test::eventually([&] { return test::request(s.port(), "GET", "/readyz").status == 200; }));
    const auto again = test::post(s.port(), k_path, big);
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(again.json()["events"][0]["result"], "accepted");  // the 503 left no dedup mark
}

TEST(durable_inbox, a_read_only_database_answers_503_and_stores_nothing) {
    test::log_capture logs;
    test::temp_dir dir;
    durable_service s(durable_config(dir), std::make_shared<test::recording_handler>());
    ASSERT_EQ(test::post(s.port(), k_path, draft(1)).status, 200);
    // chmod cannot make a file read-only for root (CI runs as root); query_only makes
    // SQLite refuse every write on the writer connection with SQLITE_READONLY instead.
    std::promise<void> locked;
    s.svc->committer()->submit([](store::event_store& st) { st.db().exec("PRAGMA query_only=ON"); },
                               [&](const auto&) { locked.set_value(); });
    ASSERT_EQ(locked.get_future().wait_for(10s), std::future_status::ready);
    const auto r = test::post(s.port(), k_path, draft(2));
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.json()["error"], "store_unavailable");
    EXPECT_EQ(test::request(s.port(), "GET", "/readyz").status, 503);
    EXPECT_FALSE(s.row(2).has_value());
    // Recovery is not shown here: BEGIN IMMEDIATE itself fails under query_only, so
    // the writer cannot switch it back. The full-disk and lock tests show recovery,
    // through the same health path.
}

TEST(durable_inbox, a_lock_held_past_the_busy_timeout_answers_503_then_recovers) {
    test::log_capture logs;
    test::temp_dir dir;
    durable_service s(durable_config(dir), std::make_shared<test::recording_handler>());
    ASSERT_EQ(test::post(s.port(), k_path, draft(1)).status, 200);
    {
        store::database other(s.svc->database_path(), store::database::mode::read_write);
        sqlite3_busy_timeout(other.handle(), 5000);  // the daemon may be mid-commit right now
        other.exec("BEGIN IMMEDIATE");  // e.g. a careless sqlite3 shell holding the write lock
        const auto r = test::post(s.port(), k_path, draft(2));
        EXPECT_EQ(r.status, 503);
        EXPECT_EQ(r.json()["error"], "store_unavailable");
        other.exec("ROLLBACK");
    }
    ASSERT_TRUE(
        test::eventually([&] { return test::request(s.port(), "GET", "/readyz").status == 200; }));
    EXPECT_EQ(test::post(s.port(), k_path, draft(2)).json()["events"][0]["result"], "accepted");
}

TEST(durable_inbox, an_outcome_that_cannot_be_written_never_reruns_the_sinks) {
    test::log_capture logs;
    test::temp_dir dir;
    durable_service s(durable_config(dir), std::make_shared<test::recording_handler>(true));
    ASSERT_EQ(test::post(s.port(), k_path, draft(1)).status, 200);
    store::database other(s.svc->database_path(), store::database::mode::read_write);
    // The daemon's writer may hold the lock this instant (a commit, maintenance): wait for it.
    sqlite3_busy_timeout(other.handle(), 5000);
    other.exec("BEGIN IMMEDIATE");  // from now on every write fails with SQLITE_BUSY
    s.recorder->open_gate();
    ASSERT_TRUE(s.recorder->wait_count(1));
    const std::string failed =
        "could not record an event's outcome; it is not delivered again, "
        "the write is retried";
    // Each failure schedules the next write; the test's clock brings it forward.
    for (std::size_t n = 1; n <= 3; ++n) {
        ASSERT_TRUE(logs.sink->wait_for([&](const std::vector<nlohmann::json>& recs) {
            return static_cast<std::size_t>(
                       std::count_if(recs.begin(), recs.end(),
                                     [&](const auto& r) { return r["msg"] == failed; })) >= n;
        }));
        s.clk.advance(1min);
    }
    // Many dispatcher rounds (10 ms each) have passed with the row pending and due.
    EXPECT_EQ(s.recorder->count(), 1u);
    other.exec("ROLLBACK");
    ASSERT_TRUE(test::eventually([&] {
        s.clk.advance(1min);
        return s.row(1)->state == store::event_state::done;
    }));
    EXPECT_EQ(s.recorder->count(), 1u);
    EXPECT_EQ(s.svc->durable()->unrecorded_outcomes(), 0u);
}

TEST(durable_inbox, a_backlog_larger_than_the_queue_drains_without_waiting_for_the_poll) {
    test::log_capture logs(log::level::warn);
    test::temp_dir dir;
    constexpr int n = 3000;
    {
        store::event_store st(dir.file("solarhook.db"), store::durability::normal, 1s);
        st.begin();
        for (int i = 0; i < n; ++i) {
            st.insert_event(store::new_event{"recent_draft_project", "k" + std::to_string(i),
                                             draft(i), "{}", "old"},
                            1000, 2000);
        }
        st.commit();
    }
    config c = durable_config(dir);
    c.queue_capacity = 50;  // the backlog is 60 queues long
    c.limits.max_events_per_request = 50;
    c.store.dispatch_poll = 60s;  // only the queue's "room again" can keep the drain going
    durable_service s(c, std::make_shared<test::recording_handler>());
    ASSERT_TRUE(s.recorder->wait_count(n, 30s)) << s.recorder->count();
    ASSERT_TRUE(test::eventually([&] { return !s.reader().stats().oldest_pending.has_value(); }));
    std::set<std::int64_t> ids;
    for (const auto& ev : s.recorder->seen()) {
        ids.insert(ev.id);
    }
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(n));
    EXPECT_EQ(s.recorder->count(), static_cast<std::size_t>(n));  // each once
}

TEST(durable_inbox, one_maintenance_round_removes_everything_past_retention) {
    test::log_capture logs(log::level::warn);
    test::temp_dir dir;
    // 150,000 done rows past retention and their expired keys: five seconds of the
    // highest ingest rate bench/run reaches (about 30,000 events/s), half a round's worth.
    constexpr int old_rows = 150'000;
    manual_clock clk{std::chrono::system_clock::now()};
    const auto now = to_unix_ms(clk.now());
    const auto eight_days_ago = now - 8 * 86'400'000ll;
    {
        store::event_store st(dir.file("solarhook.db"), store::durability::normal, 1s);
        st.begin();
        for (int i = 0; i < old_rows; ++i) {
            st.insert_event(store::new_event{"recent_draft_project", "old" + std::to_string(i),
                                             draft(i), "{}", "r"},
                            eight_days_ago, now - 1000);
        }
        st.insert_event(store::new_event{"recent_draft_project", "fresh", draft(-1), "{}", "r"},
                        now - 1000, now + 3'600'000);
        st.db().exec("UPDATE events SET state='done'");
        st.commit();
    }
    config c = durable_config(dir);
    c.store.dispatch_poll = 60s;
    durable_service s(c, std::make_shared<test::recording_handler>());
    s.clk.set(clk.now());
    const auto t0 = std::chrono::steady_clock::now();
    // The dispatcher's own round at start runs alongside; with the old cap (1,000 of
    // each per round) the two would leave 148,000 behind.
    s.svc->durable()->maintain();
    const auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto st = s.reader().stats();
    EXPECT_EQ(st.by_state_and_type.at("done").at("recent_draft_project"), 1);  // only the fresh row
    EXPECT_EQ(st.dedup_keys, 1);                                               // only the live key
    std::cout << "maintenance removed " << old_rows << " rows and " << old_rows << " keys in "
              << secs << " s (" << static_cast<int>(2 * old_rows / secs) << " deletions/s)\n";
}

TEST(durable_inbox, at_max_disk_bytes_new_events_get_503_and_ready_says_why) {
    test::log_capture logs(log::level::warn);
    test::temp_dir dir;
    config c = durable_config(dir);
    c.store.max_disk_bytes = 2 << 20;
    c.store.dispatch_poll = 10ms;
    durable_service s(c, std::make_shared<test::recording_handler>());
    const std::string pad(40 * 1024, 'p');
    std::vector<int> acked;
    test::http_reply refused;
    for (int i = 0; i < 200 && refused.status == 0; ++i) {
        const auto r = test::post(s.port(), k_path,
                                  R"({"pkcustomerquotationid":)" + std::to_string(i) +
                                      R"(,"quotenickname":")" + pad + "\"}");
        if (r.status == 200) {
            acked.push_back(i);
        } else {
            refused = r;
        }
    }
    ASSERT_EQ(refused.status, 503);
    EXPECT_EQ(refused.json()["error"], "store_unavailable");
    EXPECT_NE(refused.json()["message"].get<std::string>().find("store.max_disk_bytes"),
              std::string::npos);
    const auto ready = test::request(s.port(), "GET", "/readyz");
    EXPECT_EQ(ready.status, 503);
    EXPECT_EQ(ready.json()["reason"], "store_full");
    // A refused body is still answered 422, but not kept, and counted.
    const auto quarantined_before = s.reader().stats().by_state_and_type["quarantined"];
    const auto skipped_before = s.svc->durable()->quarantine_skipped();
    EXPECT_EQ(test::post(s.port(), k_path + "/customer_created", R"({"customer_name":"x"})").status,
              422);
    EXPECT_EQ(s.svc->durable()->quarantine_skipped(), skipped_before + 1);
    EXPECT_EQ(s.reader().stats().by_state_and_type["quarantined"], quarantined_before);
    // Every acknowledged event is in the journal, and is processed.
    ASSERT_TRUE(s.recorder->wait_count(acked.size()));
    ASSERT_TRUE(test::eventually([&] { return !s.reader().stats().oldest_pending.has_value(); }));
    EXPECT_EQ(s.reader().stats().by_state_and_type["done"]["recent_draft_project"],
              static_cast<std::int64_t>(acked.size()));
    // Retention frees the room: past done_seconds, a round deletes them and gives
    // the pages back; the store takes events again.
    s.clk.advance(8 * 24h);
    s.svc->durable()->maintain();
    s.svc->durable()->measure_disk();
    EXPECT_LT(s.svc->durable()->disk_bytes(), c.store.max_disk_bytes);
    EXPECT_EQ(test::request(s.port(), "GET", "/readyz").status, 200);
    EXPECT_EQ(test::post(s.port(), k_path, draft(100'000)).status, 200);
}

TEST(durable_inbox, refused_and_unclassified_bodies_are_quarantined) {
    test::log_capture logs;
    test::temp_dir dir;
    durable_service s(durable_config(dir), std::make_shared<test::recording_handler>());
    EXPECT_EQ(test::post(s.port(), k_path + "/customer_created", R"({"pkcustomerid":"x"})").status,
              422);
    EXPECT_EQ(test::post(s.port(), k_path + "/contract_signed", R"({"c":1})").status, 200);
    ASSERT_TRUE(test::eventually([&] {
        return s.reader()
                   .list(store::list_filter{store::event_state::quarantined, std::nullopt,
                                            std::nullopt, 10})
                   .size() == 2;
    }));
    const auto rows = s.reader().list(
        store::list_filter{store::event_state::quarantined, std::nullopt, std::nullopt, 10});
    EXPECT_EQ(rows[0].type, "contract_signed");
    EXPECT_NE(rows[0].last_error.find("unclassified"), std::string::npos);
    EXPECT_EQ(rows[1].type, "customer_created");
    EXPECT_NE(rows[1].last_error.find("pkcustomerid"), std::string::npos);
    EXPECT_EQ(rows[1].raw, R"({"pkcustomerid":"x"})");
    EXPECT_EQ(s.recorder->count(), 0u);  // neither reached a sink
}

TEST(durable_inbox, unknown_events_refused_by_policy_are_quarantined_too) {
    test::log_capture logs;
    test::temp_dir dir;
    config c = durable_config(dir);
    c.unknown_events = unknown_event_policy::reject;
    durable_service s(c, std::make_shared<test::recording_handler>());
    const auto r = test::post(s.port(), k_path, R"({"contract_id":9})");
    EXPECT_EQ(r.status, 422);
    EXPECT_EQ(r.json()["error"], "unknown_event");
    ASSERT_TRUE(test::eventually([&] { return s.row(1).has_value(); }));
    EXPECT_EQ(s.row(1)->state, store::event_state::quarantined);
    EXPECT_NE(s.row(1)->last_error.find("unknown_events"), std::string::npos);
}

}  // namespace
}  // namespace solarhook
