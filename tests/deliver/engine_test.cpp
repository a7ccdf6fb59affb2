#include "solarhook/deliver/engine.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <mutex>

#include "solarhook/config/config.hpp"
#include "solarhook/deliver/journal.hpp"
#include "solarhook/store/group_committer.hpp"
#include "support/log_capture.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace solarhook::deliver {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

// A sink whose answers the test decides: every attempt is logged as "<sink>:<n>".
struct scripted {
    std::mutex mutex;
    std::vector<std::string> attempts;
    std::function<attempt_kind(const std::string& sink, int n, int attempt)> answer =
        [](const std::string&, int, int) { return attempt_kind::success; };
    std::map<std::pair<std::string, int>, int> tries;

    std::vector<std::string> seen() {
        std::lock_guard lock(mutex);
        return attempts;
    }
};

class scripted_driver final : public sink_driver {
  public:
    scripted_driver(std::string sink, scripted& s, boost::asio::io_context& io)
        : sink_(std::move(sink)), s_(s), io_(io) {}
    void start(const json& normalized, std::function<void(attempt_result)> done) override {
        const int n = normalized.contains("n") ? normalized.at("n").get<int>()
                                               : normalized.at("raw").at("n").get<int>();
        attempt_kind kind;
        {
            std::lock_guard lock(s_.mutex);
            const int attempt = ++s_.tries[{sink_, n}];
            s_.attempts.push_back(sink_ + ":" + std::to_string(n));
            kind = s_.answer(sink_, n, attempt);
        }
        boost::asio::post(io_, [kind, done = std::move(done)] {
            done(attempt_result{kind, kind == attempt_kind::success ? "" : "scripted failure",
                                kind == attempt_kind::success ? 200 : 500, "", std::nullopt});
        });
    }

  private:
    std::string sink_;
    scripted& s_;
    boost::asio::io_context& io_;
};

std::shared_ptr<const route::router> router_of(const char* sinks) {
    auto j = json::parse(sinks);
    json cfg = {{"sinks", j}, {"routes", json::array()}};
    for (const auto& [name, v] : j.items()) {
        cfg["routes"].push_back({{"match", {{"types", {"*"}}}}, {"sinks", {name}}});
    }
    return std::make_shared<const route::router>(apply_config_json(config{}, cfg).routing);
}

engine::driver_factory factory(scripted& s) {
    return [&s](const route::compiled_sink& sink, boost::asio::io_context& io) {
        return std::make_unique<scripted_driver>(sink.config.name, s, io);
    };
}

job job_of(std::int64_t id, const std::string& sink, const std::string& customer, int n) {
    return job{id,
               id,
               sink,
               customer,
               0,
               0,
               to_unix_ms(std::chrono::system_clock::now()),
               std::make_shared<const json>(json{{"n", n}})};
}

constexpr const char* k_two_sinks = R"({
  "crm":   {"kind": "file", "path": "/unused", "retry": {"initial_ms": 20, "max_ms": 40}},
  "slack": {"kind": "file", "path": "/unused", "retry": {"initial_ms": 20, "max_ms": 40}}})";

TEST(engine, one_customer_waits_for_its_failing_delivery_while_others_go_on) {
    test::log_capture logs;
    scripted s;
    // Customer A's first event fails twice, then succeeds.
    s.answer = [](const std::string&, int n, int attempt) {
        return n == 1 && attempt <= 2 ? attempt_kind::retry : attempt_kind::success;
    };
    memory_journal j;
    system_clock clk;
    engine e(j, clk, factory(s), {4096, 20ms});
    e.start(router_of(k_two_sinks));
    e.submit({job_of(1, "crm", "A", 1), job_of(2, "crm", "B", 2), job_of(3, "crm", "A", 3),
              job_of(4, "crm", "B", 4)});
    ASSERT_TRUE(test::eventually([&] { return e.counts()["crm"].delivered == 4; }));
    const auto seen = s.seen();
    const auto first = [&](const std::string& x) {
        return std::find(seen.begin(), seen.end(), x) - seen.begin();
    };
    const auto last_a1 = seen.rend() - std::find(seen.rbegin(), seen.rend(), "crm:1") - 1;
    EXPECT_EQ(std::count(seen.begin(), seen.end(), "crm:1"), 3);
    EXPECT_EQ(std::count(seen.begin(), seen.end(), "crm:3"), 1);
    // A's second event waited for A's first to succeed (its third attempt)...
    EXPECT_GT(first("crm:3"), last_a1);
    // ...while B's events went meanwhile.
    EXPECT_LT(first("crm:4"), last_a1);
    EXPECT_EQ(e.counts()["crm"].retried, 2u);
    EXPECT_EQ(logs.count("delivery will be retried"), 2u);
    e.stop(1s);
}

TEST(engine, a_failing_sink_does_not_hold_up_or_repeat_another) {
    scripted s;
    s.answer = [](const std::string& sink, int, int attempt) {
        return sink == "slack" && attempt <= 3 ? attempt_kind::retry : attempt_kind::success;
    };
    memory_journal j;
    system_clock clk;
    engine e(j, clk, factory(s), {4096, 20ms});
    e.start(router_of(k_two_sinks));
    e.submit({job_of(1, "crm", "A", 1), job_of(2, "slack", "A", 1)});
    ASSERT_TRUE(test::eventually([&] { return e.counts()["slack"].delivered == 1; }));
    const auto seen = s.seen();
    EXPECT_EQ(std::count(seen.begin(), seen.end(), "crm:1"), 1) << "the CRM got exactly one";
    EXPECT_EQ(std::count(seen.begin(), seen.end(), "slack:1"), 4);
    e.stop(1s);
}

TEST(engine, a_permanent_failure_is_dead_at_once_and_releases_the_next) {
    test::log_capture logs;
    scripted s;
    s.answer = [](const std::string&, int n, int) {
        return n == 1 ? attempt_kind::permanent : attempt_kind::success;
    };
    memory_journal j;
    system_clock clk;
    engine e(j, clk, factory(s), {4096, 20ms});
    e.start(router_of(k_two_sinks));
    e.submit({job_of(1, "crm", "A", 1), job_of(2, "crm", "A", 2)});
    ASSERT_TRUE(test::eventually([&] { return e.counts()["crm"].delivered == 1; }));
    EXPECT_EQ(e.counts()["crm"].dead, 1u);
    EXPECT_EQ(s.seen(), (std::vector<std::string>{"crm:1", "crm:2"}));
    EXPECT_EQ(logs.count("delivery dead: permanent failure"), 1u);
    e.stop(1s);
}

TEST(engine, retries_stop_at_max_attempts) {
    scripted s;
    s.answer = [](const std::string&, int, int) { return attempt_kind::retry; };
    memory_journal j;
    system_clock clk;
    engine e(j, clk, factory(s), {4096, 20ms});
    e.start(router_of(R"({"crm": {"kind": "file", "path": "/unused",
                          "retry": {"initial_ms": 1, "max_ms": 2, "max_attempts": 3}}})"));
    e.submit({job_of(1, "crm", "A", 1)});
    ASSERT_TRUE(test::eventually([&] { return e.counts()["crm"].dead == 1; }));
    EXPECT_EQ(s.seen().size(), 3u);
    e.stop(1s);
}

// A journal with nothing on disk, for tests that decide only how records go.
class records_only_journal : public journal {
  public:
    std::vector<job> pending(const std::string&, std::int64_t, int) override { return {}; }
    std::shared_ptr<const json> event(std::int64_t) override { return nullptr; }
    bool on_disk() const override { return false; }
};

// Records fail until told otherwise.
class failing_journal final : public records_only_journal {
  public:
    std::atomic<int> failures_left{3};
    std::atomic<int> records{0};
    void record(const store::delivery_outcome&, std::function<void(bool ok)> done) override {
        ++records;
        done(failures_left-- <= 0);
    }
};

TEST(engine, an_outcome_that_cannot_be_recorded_is_written_again_never_attempted_again) {
    test::log_capture logs;
    scripted s;
    failing_journal j;
    system_clock clk;
    engine e(j, clk, factory(s), {4096, 20ms});
    e.start(router_of(k_two_sinks));
    e.submit({job_of(1, "crm", "A", 1), job_of(2, "crm", "A", 2)});
    ASSERT_TRUE(test::eventually([&] { return e.counts()["crm"].delivered == 2; }));
    EXPECT_EQ(s.seen(), (std::vector<std::string>{"crm:1", "crm:2"}));
    EXPECT_EQ(j.records.load(), 5);  // three failed writes, then one per delivery
    EXPECT_EQ(logs.count("could not record a delivery's outcome; it is written again"), 3u);
    e.stop(1s);
}

// Holds each record until the test lets it reach "disk".
class held_journal final : public records_only_journal {
  public:
    std::mutex mutex;
    std::vector<std::function<void(bool)>> held;
    void record(const store::delivery_outcome&, std::function<void(bool ok)> done) override {
        std::lock_guard lock(mutex);
        held.push_back(std::move(done));
    }
    std::size_t waiting() {
        std::lock_guard lock(mutex);
        return held.size();
    }
    void release_all() {
        std::lock_guard lock(mutex);
        for (auto& d : held) {
            d(true);
        }
        held.clear();
    }
};

// An operator who reads "dead" in the log and replays must find the delivery dead in
// the store: the line comes once its outcome is recorded, never before.
TEST(engine, a_dead_or_retried_delivery_is_logged_only_once_its_outcome_is_recorded) {
    test::log_capture logs;
    scripted s;
    s.answer = [](const std::string&, int n, int) {
        return n == 1 ? attempt_kind::permanent : attempt_kind::retry;
    };
    held_journal j;
    system_clock clk;
    engine e(j, clk, factory(s), {4096, 20ms});
    e.start(router_of(k_two_sinks));
    e.submit({job_of(1, "crm", "A", 1), job_of(2, "slack", "B", 2)});
    ASSERT_TRUE(test::eventually([&] { return j.waiting() == 2; }));
    EXPECT_EQ(logs.count("delivery dead: permanent failure"), 0u);
    EXPECT_EQ(logs.count("delivery will be retried"), 0u);
    j.release_all();
    ASSERT_TRUE(test::eventually([&] {
        return logs.count("delivery dead: permanent failure") == 1 &&
               logs.count("delivery will be retried") == 1;
    }));
    e.stop(1s);
}

TEST(engine, a_backlog_past_the_window_waits_on_disk_and_keeps_its_order) {
    test::temp_dir dir;
    const auto path = dir.file("e.db");
    store::event_store writer(path, store::durability::normal, 1s);
    store::group_committer committer(writer, {});
    const auto now = to_unix_ms(std::chrono::system_clock::now());
    // 30 events of 3 customers, each routed to the crm sink.
    {
        writer.begin();
        for (int i = 0; i < 30; ++i) {
            const auto id = *writer.insert_event(
                store::new_event{
                    "customer_created", "k" + std::to_string(i),
                    json{{"pkcustomerid", i % 3}, {"customer_status", 1}, {"n", i}}.dump(), "{}",
                    "r"},
                now, now + 3'600'000);
            writer.route_event(id, {{"crm", "customer:" + std::to_string(i % 3), false}}, now);
        }
        writer.commit();
    }
    scripted s;
    system_clock clk;
    durable_journal j(
        committer, std::make_unique<store::event_store>(path, store::durability::normal, 1s), clk);
    engine e(j, clk, factory(s), {4, 20ms});  // four in memory at most
    e.start(router_of(k_two_sinks));
    ASSERT_TRUE(test::eventually([&] { return e.counts()["crm"].delivered == 30; }));
    const auto seen = s.seen();
    ASSERT_EQ(seen.size(), 30u);
    // Each customer's events went in the order they were received.
    std::map<int, int> last;
    for (const auto& x : seen) {
        const int n = std::stoi(x.substr(x.find(':') + 1));
        if (last.count(n % 3) != 0) {
            EXPECT_GT(n, last[n % 3]) << x;
        }
        last[n % 3] = n;
    }
    // A backlog is read onwards from where the last read stopped; once a read reaches
    // the end, the next starts over, so a delivery replayed behind it is found.
    std::atomic<bool> replayed{false};
    committer.submit(
        [&](store::event_store& st) {
            st.replay_deliveries({std::nullopt, "crm", 1, 50}, true, now);
        },
        [&](const std::optional<store::store_error>& err) { replayed = !err; });
    ASSERT_TRUE(test::eventually([&] { return replayed.load(); }));
    ASSERT_TRUE(test::eventually([&] { return e.counts()["crm"].delivered == 31; }));
    EXPECT_EQ(s.seen().back(), "crm:0");
    e.stop(1s);
    committer.stop();
    EXPECT_TRUE(writer.pending_deliveries("crm", 0, 100).empty());
    EXPECT_EQ(writer.list({store::event_state::done, std::nullopt, std::nullopt, 100}).size(), 30u);
}

}  // namespace
}  // namespace solarhook::deliver
