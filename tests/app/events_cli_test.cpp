#include "solarhook/app/events_cli.hpp"

#include <gtest/gtest.h>

#include <limits>

#include <nlohmann/json.hpp>
#include <sstream>

#include "support/temp_dir.hpp"

namespace solarhook::app {
namespace {

using namespace std::chrono_literals;

struct cli_run {
    int code;
    std::string out;
    std::string err;
};

cli_run run(std::vector<std::string> args) {
    std::ostringstream out;
    std::ostringstream err;
    const int code = run_events_cli(args, out, err);
    return {code, out.str(), err.str()};
}

class events_cli : public ::testing::Test {
  protected:
    void SetUp() override {
        store::event_store s(dir.file("solarhook.db"), store::durability::normal, 1s);
        s.begin();
        s.insert_event({"customer_created", "k1", R"({"pkcustomerid":1})", "{}", "r1"}, 1000,
                       99'999'999'999'999);
        const auto dead = *s.insert_event(
            {"recent_draft_project", "k2", R"({"pkcustomerquotationid":2})", "{}", "r2"}, 2000,
            99'999'999'999'999);
        s.mark_dead(dead, 10, "crm said no");
        s.commit();
    }
    test::temp_dir dir;
    std::string data() const { return dir.path().string(); }
};

TEST_F(events_cli, list_as_table_and_json_with_filters) {
    auto r = run({"list", "--data-dir", data()});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("customer_created"), std::string::npos);
    EXPECT_NE(r.out.find("crm said no"), std::string::npos);
    r = run({"list", "--data-dir", data(), "--state", "dead", "--json"});
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j.size(), 1u);
    EXPECT_EQ(j[0]["type"], "recent_draft_project");
    r = run({"list", "--data-dir", data(), "--type", "customer_created", "--since",
             "2000-01-01T00:00:00Z", "--json"});
    EXPECT_EQ(nlohmann::json::parse(r.out).size(), 0u);  // received in 1970
}

TEST_F(events_cli, show_and_stats) {
    auto r = run({"show", "2", "--data-dir", data(), "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["payload"]["pkcustomerquotationid"], 2);
    EXPECT_EQ(j["attempts"], 10);
    EXPECT_EQ(j["last_error"], "crm said no");
    EXPECT_EQ(run({"show", "99", "--data-dir", data()}).code, 1);
    r = run({"stats", "--data-dir", data(), "--json"});
    const auto st = nlohmann::json::parse(r.out);
    EXPECT_EQ(st["by_state"]["dead"]["recent_draft_project"], 1);
    EXPECT_EQ(st["by_state"]["pending"]["customer_created"], 1);
    EXPECT_EQ(st["dedup_keys"], 2);
    EXPECT_EQ(st["oldest_pending"], "1970-01-01T00:00:01Z");
}

TEST_F(events_cli, replay_by_id_and_by_state) {
    EXPECT_EQ(run({"replay", "2", "--data-dir", data()}).code, 0);
    store::event_store s(dir.file("solarhook.db"), store::durability::normal, 1s);
    EXPECT_EQ(s.get(2)->state, store::event_state::pending);
    EXPECT_EQ(run({"replay", "--data-dir", data()}).code, 2);  // nothing named
    EXPECT_EQ(run({"replay", "--state", "bogus", "--data-dir", data()}).code, 2);
}

TEST_F(events_cli, missing_and_locked_databases_are_clear_errors) {
    auto r = run({"list", "--data-dir", data() + "/nope"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("no database at"), std::string::npos);
    store::database other(dir.file("solarhook.db"), store::database::mode::read_write);
    other.exec("BEGIN IMMEDIATE");
    r = run({"replay", "1", "--data-dir", data()});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("locked"), std::string::npos) << r.err;
    // Reading still works while another writer holds the lock (WAL).
    EXPECT_EQ(run({"list", "--data-dir", data()}).code, 0);
    other.exec("ROLLBACK");
}

TEST(events_cli_since, absolute_and_relative) {
    EXPECT_EQ(parse_since("1970-01-01T00:00:10Z", 0), 10'000);
    EXPECT_EQ(parse_since("2h", 10'000'000), 10'000'000 - 7'200'000);
    EXPECT_EQ(parse_since("7d", 1'000'000'000), 1'000'000'000 - 604'800'000);
    // Past the range of the arithmetic: the earliest time, not signed overflow (UBSan).
    EXPECT_EQ(parse_since("99999999999999d", 1'000'000'000),
              std::numeric_limits<store::millis>::min());
    EXPECT_EQ(parse_since("9223372036854775807s", 1'000'000'000),
              std::numeric_limits<store::millis>::min());
    EXPECT_FALSE(parse_since("yesterday", 0));
    EXPECT_FALSE(parse_since("2026-01-01T00:00:00+02:00", 0));
}

}  // namespace
}  // namespace solarhook::app

namespace solarhook::app {
namespace {

class deliveries_cli : public ::testing::Test {
  protected:
    void SetUp() override {
        store::event_store s(dir.file("solarhook.db"), store::durability::normal, 1s);
        s.begin();
        for (int i = 0; i < 2; ++i) {
            const auto id = *s.insert_event(
                {"customer_created", "k" + std::to_string(i), R"({"pkcustomerid":1})", "{}", "r"},
                1000, 99'999'999'999'999);
            const auto p =
                s.route_event(id, {{"crm", "customer:1", false}, {"slack", "", false}}, 1000);
            s.record_delivery({p[0].id, id, store::delivery_state::done, 1, 0, "", 201, "{}"},
                              1100);
            s.record_delivery(
                {p[1].id, id, store::delivery_state::dead, 3, 0, "HTTP 500", 500, "slack is down"},
                1200);
            events.push_back(id);
        }
        s.commit();
    }
    std::vector<std::int64_t> events;
    test::temp_dir dir;
    std::string data() const { return dir.path().string(); }
    store::event_store open() {
        return store::event_store(dir.file("solarhook.db"), store::durability::normal, 1s);
    }
};

TEST_F(deliveries_cli, show_lists_each_sinks_delivery) {
    const auto r = run({"show", std::to_string(events[0]), "--data-dir", data(), "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["deliveries"].size(), 2u);
    EXPECT_EQ(j["state"], "done");
    for (const auto& d : j["deliveries"]) {
        if (d["sink"] == "slack") {
            EXPECT_EQ(d["state"], "dead");
            EXPECT_EQ(d["last_status"], 500);
            EXPECT_EQ(d["last_response"], "slack is down");
        } else {
            EXPECT_EQ(d["state"], "done");
            EXPECT_EQ(d["last_status"], 201);
        }
    }
}

TEST_F(deliveries_cli, list_by_sink_and_state) {
    auto r = run({"list", "--sink", "slack", "--state", "dead", "--data-dir", data(), "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out).size(), 2u);
    r = run({"list", "--sink", "crm", "--state", "dead", "--data-dir", data(), "--json"});
    EXPECT_EQ(nlohmann::json::parse(r.out).size(), 0u);
    r = run({"list", "--sink", "slack", "--data-dir", data()});
    EXPECT_NE(r.out.find("HTTP 500"), std::string::npos) << r.out;
    r = run({"list", "--sink", "slack", "--state", "quarantined", "--data-dir", data()});
    EXPECT_EQ(r.code, 2);
}

TEST_F(deliveries_cli, replaying_dead_deliveries_of_a_sink_leaves_the_others_alone) {
    const auto r = run({"replay", "--state", "dead", "--sink", "slack", "--data-dir", data()});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("replayed 2"), std::string::npos) << r.out;
    auto s = open();
    EXPECT_EQ(s.pending_deliveries("slack", 0, 10).size(), 2u);
    EXPECT_TRUE(s.pending_deliveries("crm", 0, 10).empty());
    EXPECT_EQ(s.get(events[0])->state, store::event_state::pending);
}

TEST_F(deliveries_cli, replaying_one_event_for_one_sink) {
    const auto r =
        run({"replay", std::to_string(events[1]), "--sink", "crm", "--data-dir", data()});
    ASSERT_EQ(r.code, 0) << r.err;
    auto s = open();
    const auto crm = s.pending_deliveries("crm", 0, 10);
    ASSERT_EQ(crm.size(), 1u);
    EXPECT_EQ(crm[0].event_id, events[1]);
    EXPECT_TRUE(s.pending_deliveries("slack", 0, 10).empty());
}

TEST_F(deliveries_cli, stats_count_deliveries_per_sink) {
    const auto r = run({"stats", "--data-dir", data(), "--json"});
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["deliveries"]["slack"]["dead"], 2);
    EXPECT_EQ(j["deliveries"]["crm"]["done"], 2);
}

}  // namespace
}  // namespace solarhook::app
