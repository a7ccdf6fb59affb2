#include "solarhook/store/group_committer.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <thread>

#include "support/temp_dir.hpp"

namespace solarhook::store {
namespace {

using namespace std::chrono_literals;

// Waits for n callbacks; records failures.
struct waiter {
    std::mutex m;
    std::condition_variable cv;
    int done = 0;
    int failed = 0;
    int last_code = 0;
    group_committer::done cb() {
        return [this](const std::optional<store_error>& e) {
            std::lock_guard lock(m);
            ++done;
            if (e) {
                ++failed;
                last_code = e->code();
            }
            cv.notify_all();
        };
    }
    bool wait(int n) {
        std::unique_lock lock(m);
        return cv.wait_for(lock, 10s, [&] { return done >= n; });
    }
};

group_committer::op insert(const std::string& key) {
    return [key](event_store& s) {
        s.insert_event(new_event{"t", key, "{}", "{}", "r"}, 1, 1'000'000);
    };
}

TEST(group_committer, many_concurrent_submitters_share_commits) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::full, 1s);
    group_committer gc(s, {512, 2ms});
    waiter w;
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 100; ++i) {
                gc.submit(insert(fmt::format("{}-{}", t, i)), w.cb());
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    ASSERT_TRUE(w.wait(800));
    EXPECT_EQ(w.failed, 0);
    EXPECT_EQ(gc.ops_committed(), 800u);
    EXPECT_LT(gc.commits(), 800u);  // grouped: fewer commits than operations
    EXPECT_EQ(s.stats().dedup_keys, 800);
}

TEST(group_committer, max_batch_1_commits_each_operation_alone) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::normal, 1s);
    group_committer gc(s, {1, 0us});
    waiter w;
    for (int i = 0; i < 20; ++i) {
        gc.submit(insert(std::to_string(i)), w.cb());
    }
    ASSERT_TRUE(w.wait(20));
    EXPECT_EQ(gc.commits(), 20u);
}

TEST(group_committer, a_full_disk_fails_the_batch_then_recovers) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::full, 1s);
    group_committer gc(s, {64, 0us, 0ms});  // no hold: health follows the last commit
    // SQLite's own cap on the file size behaves exactly like a full disk (SQLITE_FULL).
    waiter setup;
    std::int64_t pages = 0;
    gc.submit(
        [&](event_store& st) {
            auto q = st.db().prepare("PRAGMA page_count");
            q.step();
            pages = q.int_at(0);
            st.db().exec("PRAGMA max_page_count=" + std::to_string(pages));
        },
        setup.cb());
    ASSERT_TRUE(setup.wait(1));
    waiter w;
    gc.submit(
        [](event_store& st) {
            st.insert_event(new_event{"t", "big", std::string(64 * 1024, 'x'), "{}", "r"}, 1,
                            1'000'000);
        },
        w.cb());
    ASSERT_TRUE(w.wait(1));
    EXPECT_EQ(w.failed, 1);
    EXPECT_EQ(w.last_code, SQLITE_FULL);
    EXPECT_FALSE(gc.healthy());
    // Space comes back: the next commit succeeds and health returns.
    waiter after;
    gc.submit([](event_store& st) { st.db().exec("PRAGMA max_page_count=1073741823"); },
              after.cb());
    gc.submit(insert("small"), after.cb());
    ASSERT_TRUE(after.wait(2));
    EXPECT_EQ(after.failed, 0);
    EXPECT_TRUE(gc.healthy());
    EXPECT_FALSE(s.get(1).has_value() && s.get(1)->key == "big");
}

TEST(group_committer, an_operation_that_fails_on_its_own_fails_alone) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::normal, 1s);
    group_committer gc(s, {64, 50ms});  // the wait gathers all five into one batch
    waiter ok;
    waiter bad;
    gc.submit(insert("a"), ok.cb());
    gc.submit([](event_store&) { throw std::runtime_error("a bug in one operation"); }, bad.cb());
    gc.submit(insert("b"), ok.cb());
    gc.submit(
        [](event_store& st) {
            st.insert_event(new_event{"t", "c", "{}", "{}", "r"}, 1, 1'000'000);
            st.db().exec(
                "INSERT INTO events(id, type, raw, received_at, state) "
                "VALUES(1, 't', '{}', 1, 'pending')");  // id 1 is taken: constraint
        },
        bad.cb());
    gc.submit(insert("d"), ok.cb());
    ASSERT_TRUE(ok.wait(3));
    ASSERT_TRUE(bad.wait(2));
    EXPECT_EQ(ok.failed, 0);
    EXPECT_EQ(bad.failed, 2);
    EXPECT_EQ(bad.last_code, SQLITE_CONSTRAINT);
    EXPECT_EQ(s.stats().dedup_keys, 3);  // a, b, d; the failed op's key "c" was rolled back
    EXPECT_TRUE(gc.healthy());
    waiter again;
    gc.submit(insert("c"), again.cb());  // its mark went with its rollback
    ASSERT_TRUE(again.wait(1));
    EXPECT_EQ(again.failed, 0);
    EXPECT_EQ(s.stats().dedup_keys, 4);
}

TEST(group_committer, a_callback_that_throws_does_not_end_the_writer) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::normal, 1s);
    group_committer gc(s, {64, 0us});
    gc.submit(insert("a"),
              [](const std::optional<store_error>&) { throw std::runtime_error("caller bug"); });
    waiter w;
    gc.submit(insert("b"), w.cb());
    ASSERT_TRUE(w.wait(1));
    EXPECT_EQ(w.failed, 0);
}

TEST(group_committer, a_lock_held_past_the_busy_timeout_fails_with_busy) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::normal, 100ms);
    group_committer gc(s, {64, 0us});
    database other(dir.file("a.db"), database::mode::read_write);
    other.exec("BEGIN IMMEDIATE");  // another writer holds the lock
    waiter w;
    gc.submit(insert("k"), w.cb());
    ASSERT_TRUE(w.wait(1));
    EXPECT_EQ(w.failed, 1);
    EXPECT_EQ(w.last_code, SQLITE_BUSY);
    other.exec("ROLLBACK");
    waiter after;
    gc.submit(insert("k"), after.cb());
    ASSERT_TRUE(after.wait(1));
    EXPECT_EQ(after.failed, 0);
}

TEST(group_committer, stop_answers_everything_submitted) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::normal, 1s);
    waiter w;
    {
        group_committer gc(s, {4, 0us});
        for (int i = 0; i < 50; ++i) {
            gc.submit(insert(std::to_string(i)), w.cb());
        }
        gc.stop();
        gc.submit(insert("late"), w.cb());  // refused, but still answered
    }
    ASSERT_TRUE(w.wait(51));
    EXPECT_EQ(w.failed, 1);
    EXPECT_EQ(s.stats().dedup_keys, 50);
}

// A disk whose sync the test holds: sync() blocks until release(), the first time.
struct held_sync {
    std::mutex m;
    std::condition_variable cv;
    int entered = 0;
    bool released = false;
    std::function<void()> fn() {
        return [this] {
            std::unique_lock lock(m);
            if (++entered == 1) {
                cv.notify_all();
                cv.wait(lock, [&] { return released; });
            }
        };
    }
    bool wait_entered() {
        std::unique_lock lock(m);
        return cv.wait_for(lock, 10s, [&] { return entered > 0; });
    }
    void release() {
        std::lock_guard lock(m);
        released = true;
        cv.notify_all();
    }
};

// Whether another connection sees the key's event, waiting up to 10 s for it.
bool committed_soon(const std::string& db, const std::string& key) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    database reader(db, database::mode::read_only);
    auto q = reader.prepare("SELECT COUNT(*) FROM events WHERE dedup_key=?1");
    do {
        q.bind(1, key);
        const bool seen = q.step() && q.int_at(0) == 1;
        q.reset();
        if (seen) {
            return true;
        }
        std::this_thread::yield();
    } while (std::chrono::steady_clock::now() < until);
    return false;
}

TEST(group_committer, a_commit_is_answered_after_the_wal_sync_while_the_writer_goes_on) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::full, 1s);
    held_sync disk;
    group_committer gc(s, {64, 0us}, {}, disk.fn());
    std::mutex m;
    std::vector<std::string> answered;
    auto note = [&](std::string key) {
        return [&, key](const std::optional<store_error>& e) {
            std::lock_guard lock(m);
            answered.push_back(e ? "failed " + key : key);
        };
    };
    gc.submit(insert("a"), note("a"));
    ASSERT_TRUE(disk.wait_entered());
    ASSERT_TRUE(committed_soon(dir.file("a.db"), "a"));
    gc.submit(insert("b"), note("b"));
    // b commits while a's sync is still held: the writer does not wait for the disk.
    EXPECT_TRUE(committed_soon(dir.file("a.db"), "b"));
    {
        std::lock_guard lock(m);
        EXPECT_TRUE(answered.empty()) << "answered before the WAL was synced";
    }
    disk.release();
    gc.stop();
    EXPECT_EQ(answered, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(gc.commits(), 2u);
    EXPECT_TRUE(gc.healthy());
}

TEST(group_committer, a_failed_wal_sync_fails_its_batch_and_every_later_write) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::full, 1s);
    group_committer gc(s, {64, 0us, 0ms}, {},
                       [] { throw store_error(SQLITE_IOERR, "fdatasync: EIO"); });
    auto fails_with_io_error = [&](const std::string& key) {
        waiter w;
        gc.submit(insert(key), w.cb());
        ASSERT_TRUE(w.wait(1));
        EXPECT_EQ(w.failed, 1);
        EXPECT_EQ(w.last_code, SQLITE_IOERR);
        EXPECT_FALSE(gc.healthy());
    };
    fails_with_io_error("a");  // committed, then its sync failed
    // A later write is refused at once, not committed and then reported as failed.
    fails_with_io_error("b");
    EXPECT_EQ(gc.commits(), 1u);
    EXPECT_FALSE(s.get(2).has_value());
}

}  // namespace
}  // namespace solarhook::store

namespace solarhook::store {
namespace {

group_committer::options lingering(std::size_t background_batch) {
    group_committer::options o;
    o.background_wait = 60s;  // longer than any wait below: only a trigger ends it
    o.background_batch = background_batch;
    return o;
}

constexpr auto k_background = group_committer::urgency::background;

TEST(group_committer, a_requests_operation_takes_waiting_background_ones_along_at_once) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::full, 1s);
    group_committer gc(s, lingering(64));
    waiter w;
    gc.submit(insert("outcome-1"), w.cb(), k_background);
    gc.submit(insert("outcome-2"), w.cb(), k_background);
    gc.submit(insert("request"), w.cb());
    ASSERT_TRUE(w.wait(3));
    EXPECT_EQ(w.failed, 0);
    EXPECT_EQ(gc.commits(), 1U);
    EXPECT_EQ(gc.ops_committed(), 3U);
}

TEST(group_committer, background_operations_commit_once_enough_of_them_wait) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::full, 1s);
    group_committer gc(s, lingering(4));
    waiter w;
    for (int i = 0; i < 3; ++i) {
        gc.submit(insert(fmt::format("o-{}", i)), w.cb(), k_background);
    }
    {
        std::unique_lock lock(w.m);
        EXPECT_FALSE(w.cv.wait_for(lock, 200ms, [&] { return w.done > 0; }))
            << "three of four committed without waiting for company";
    }
    gc.submit(insert("o-3"), w.cb(), k_background);
    ASSERT_TRUE(w.wait(4));
    EXPECT_EQ(gc.commits(), 1U);
}

TEST(group_committer, background_operations_alone_commit_after_the_wait) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::full, 1s);
    group_committer::options o;
    o.background_wait = 20ms;
    group_committer gc(s, o);
    waiter w;
    gc.submit(insert("lonely"), w.cb(), k_background);
    ASSERT_TRUE(w.wait(1));
    EXPECT_EQ(w.failed, 0);
}

TEST(group_committer, stop_commits_background_operations_still_waiting) {
    test::temp_dir dir;
    event_store s(dir.file("a.db"), durability::full, 1s);
    waiter w;
    {
        group_committer gc(s, lingering(64));
        gc.submit(insert("last-outcome"), w.cb(), k_background);
        const auto t0 = std::chrono::steady_clock::now();
        gc.stop();
        EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
    }
    EXPECT_EQ(w.done, 1);
    EXPECT_EQ(w.failed, 0);
    EXPECT_EQ(s.stats().dedup_keys, 1);
}

}  // namespace
}  // namespace solarhook::store
