// Routes and sinks in the real binary: a file sink, and SIGHUP swapping routes under load.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "solarhook/sinks/spawn.hpp"
#include "solarhook/store/event_store.hpp"
#include "support/child_process.hpp"
#include "support/daemon_log.hpp"
#include "support/http_client.hpp"
#include "support/http_recorder.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;
using test::wait_for_msg;
const std::string k_bin = SOLARHOOK_BINARY;

std::vector<json> lines_of(const std::string& path) {
    std::ifstream in(path);
    std::vector<json> out;
    for (std::string l; std::getline(in, l);) {
        out.push_back(json::parse(l));
    }
    return out;
}

void write_config(const std::string& path, const json& j) {
    std::ofstream(path + ".tmp") << j.dump(2);
    std::filesystem::rename(path + ".tmp", path);  // a reader never sees half a file
}

json config_with(const test::temp_dir& dir, bool second_route) {
    json c = {{"listen", "127.0.0.1:0"},
              {"store", {{"data_dir", dir.file("data")}}},
              {"sinks",
               {{"archive", {{"kind", "file"}, {"path", dir.file("all.jsonl")}}},
                {"signed", {{"kind", "file"}, {"path", dir.file("signed.jsonl")}}}}},
              {"routes",
               {{{"name", "everything"}, {"match", {{"types", {"*"}}}}, {"sinks", {"archive"}}}}}};
    if (second_route) {
        c["routes"].push_back(
            {{"name", "signed"},
             {"match", {{"types", {"customer_status_change"}}, {"where", {{"new_status", 2}}}}},
             {"sinks", {"signed"}}});
    }
    return c;
}

std::string status_change(int customer, int status) {
    return json{{"pkcustomerid", customer}, {"old_status", 1}, {"new_status", status}}.dump();
}

TEST(routing_daemon, a_file_sink_gets_each_routed_event_once_in_the_normalized_shape) {
    test::temp_dir dir;
    const auto cfg = dir.file("c.json");
    write_config(cfg, config_with(dir, true));
    test::child_process p({k_bin, "serve", "--config", cfg});
    const auto listening = wait_for_msg(p, "listening");
    ASSERT_TRUE(listening.is_object()) << p.all_stderr();
    const auto port = listening["port"].get<std::uint16_t>();
    ASSERT_EQ(test::post(port, "/webhooks/solarproof", status_change(7, 2)).status, 200);
    ASSERT_EQ(test::post(port, "/webhooks/solarproof", status_change(8, 1)).status, 200);
    ASSERT_EQ(test::post(port, "/webhooks/solarproof", status_change(7, 2)).status, 200);  // dup
    ASSERT_TRUE(test::eventually([&] { return lines_of(dir.file("all.jsonl")).size() == 2; }));
    ASSERT_TRUE(test::eventually([&] { return lines_of(dir.file("signed.jsonl")).size() == 1; }));
    const auto line = lines_of(dir.file("signed.jsonl")).at(0);
    EXPECT_EQ(line["type"], "customer_status_change");
    EXPECT_EQ(line["customer_id"], 7);
    EXPECT_EQ(line["new_status_name"], "Signed");
    EXPECT_EQ(line["raw"]["pkcustomerid"], 7);
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(), 0);
}

TEST(routing_daemon, an_exec_command_runs_below_the_daemon) {
    errno = 0;
    const int daemon_nice = ::getpriority(PRIO_PROCESS, 0);  // the daemon inherits it
    ASSERT_EQ(errno, 0);
    ASSERT_LT(daemon_nice, 19) << "at nice 19 the lowering cannot be seen";
    const auto want = std::to_string(std::min(daemon_nice + sinks::k_child_nice_steps, 19));
    test::temp_dir dir;
    const auto cfg = dir.file("c.json");
    const auto out = dir.file("nice.txt");
    // The command is lowered just after it starts: one that looked first would fail
    // and be retried, so the test waits for the value, not for a first attempt.
    const auto script =
        "n=$(cut -d' ' -f19 /proc/$$/stat); echo \"$n\" >> " + out + "; [ \"$n\" = " + want + " ]";
    write_config(cfg, {{"listen", "127.0.0.1:0"},
                       {"store", {{"data_dir", dir.file("data")}}},
                       {"sinks",
                        {{"run",
                          {{"kind", "exec"},
                           {"command", {"/bin/sh", "-c", script}},
                           {"retry", {{"initial_ms", 20}, {"max_ms", 40}}}}}}},
                       {"routes", {{{"match", {{"types", {"*"}}}}, {"sinks", {"run"}}}}}});
    test::child_process p({k_bin, "serve", "--config", cfg});
    const auto listening = wait_for_msg(p, "listening");
    ASSERT_TRUE(listening.is_object()) << p.all_stderr();
    const auto port = listening["port"].get<std::uint16_t>();
    ASSERT_EQ(test::post(port, "/webhooks/solarproof", status_change(7, 2)).status, 200);
    std::string last;
    EXPECT_TRUE(test::eventually([&] {
        std::ifstream in(out);
        for (std::string l; std::getline(in, l);) {
            last = l;
        }
        return last == want;
    })) << "the command saw nice "
        << last << ", the daemon runs at " << daemon_nice;
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(), 0);
}

TEST(routing_daemon, sighup_swaps_routes_under_load_losing_and_repeating_nothing) {
    test::temp_dir dir;
    const auto cfg = dir.file("c.json");
    write_config(cfg, config_with(dir, false));
    test::child_process p({k_bin, "serve", "--config", cfg});
    const auto listening = wait_for_msg(p, "listening");
    ASSERT_TRUE(listening.is_object()) << p.all_stderr();
    const auto port = listening["port"].get<std::uint16_t>();

    constexpr int n = 300;
    std::atomic<int> sent{0};
    std::thread poster([&] {
        for (int i = 0; i < n; ++i) {
            if (test::post(port, "/webhooks/solarproof", status_change(1000 + i, 2)).status ==
                200) {
                ++sent;
            }
        }
    });
    ASSERT_TRUE(test::eventually([&] { return sent.load() >= n / 3; }));
    // An invalid file first: refused, and the running routes stay.
    std::ofstream(cfg) << R"({"routes": [{"match": {"types": ["*"]}, "sinks": ["nowhere"]}]})";
    p.signal(SIGHUP);
    const auto refused = wait_for_msg(p, "config reload refused; the running config stays");
    ASSERT_TRUE(refused.is_object());
    EXPECT_NE(refused["error"].get<std::string>().find("nowhere"), std::string::npos);
    write_config(cfg, config_with(dir, true));
    p.signal(SIGHUP);
    const auto reloaded =
        wait_for_msg(p, "config reloaded: routes and sinks apply to deliveries that start now");
    ASSERT_TRUE(reloaded.is_object());
    EXPECT_EQ(reloaded["restart_needed_for"], json::array());
    poster.join();
    ASSERT_EQ(sent.load(), n);
    ASSERT_TRUE(test::eventually([&] { return lines_of(dir.file("all.jsonl")).size() >= n; }));
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(), 0);

    std::set<std::int64_t> all;
    for (const auto& l : lines_of(dir.file("all.jsonl"))) {
        EXPECT_TRUE(all.insert(l["customer_id"].get<std::int64_t>()).second) << "twice: " << l;
    }
    EXPECT_EQ(all.size(), static_cast<std::size_t>(n)) << "every accepted event, once";
    std::set<std::int64_t> routed_after;
    for (const auto& l : lines_of(dir.file("signed.jsonl"))) {
        EXPECT_TRUE(routed_after.insert(l["customer_id"].get<std::int64_t>()).second);
    }
    EXPECT_FALSE(routed_after.empty()) << "the new route took effect";
    EXPECT_LT(routed_after.size(), static_cast<std::size_t>(n)) << "and only after the swap";
    EXPECT_EQ(routed_after.count(1000 + n - 1), 1u) << "the last event went by the new route";
}

}  // namespace
}  // namespace solarhook

namespace solarhook {
namespace {

// Persist-before-ack through a sink: SIGKILL mid-load, restart on the same data
// dir, and every acknowledged event reaches the HTTP server, its delivery done.
TEST(routing_daemon, sigkill_under_load_loses_no_http_delivery) {
    test::temp_dir dir;
    test::http_recorder server;
    const auto cfg = dir.file("c.json");
    write_config(cfg, {{"listen", "127.0.0.1:0"},
                       {"store", {{"data_dir", dir.file("data")}}},
                       {"sinks", {{"crm", {{"kind", "http"}, {"url", server.url("/ok")}}}}},
                       {"routes", {{{"match", {{"types", {"*"}}}}, {"sinks", {"crm"}}}}}});
    std::set<std::int64_t> acked;
    {
        test::child_process p({k_bin, "serve", "--config", cfg});
        const auto listening = wait_for_msg(p, "listening");
        ASSERT_TRUE(listening.is_object()) << p.all_stderr();
        const auto port = listening["port"].get<std::uint16_t>();
        std::atomic<bool> stop{false};
        std::mutex m;
        std::vector<std::thread> clients;
        for (int c = 0; c < 4; ++c) {
            clients.emplace_back([&, c] {
                for (int i = 0; !stop; ++i) {
                    const int customer = c * 100'000 + i;
                    try {
                        const auto r =
                            test::post(port, "/webhooks/solarproof", status_change(customer, 2));
                        if (r.status == 200) {
                            std::lock_guard lock(m);
                            acked.insert(customer);
                        }
                    } catch (const std::exception&) {
                        return;  // the daemon is gone: this one was never acknowledged
                    }
                }
            });
        }
        ASSERT_TRUE(test::eventually([&] {
            std::lock_guard lock(m);
            return acked.size() >= 300;
        }));
        p.signal(SIGKILL);
        stop = true;
        for (auto& t : clients) {
            t.join();
        }
        p.wait();
    }
    test::child_process again({k_bin, "serve", "--config", cfg});
    ASSERT_TRUE(wait_for_msg(again, "listening").is_object()) << again.all_stderr();
    std::set<std::int64_t> delivered;
    ASSERT_TRUE(test::eventually(
        [&] {
            delivered.clear();
            for (const auto& r : server.requests_to("/ok")) {
                delivered.insert(
                    json::parse(r["body"].get<std::string>())["customer_id"].get<std::int64_t>());
            }
            return std::includes(delivered.begin(), delivered.end(), acked.begin(), acked.end());
        },
        std::chrono::seconds(30)))
        << "acknowledged " << acked.size() << ", delivered " << delivered.size();
    again.signal(SIGTERM);
    EXPECT_EQ(again.wait(), 0);
    store::event_store s(dir.file("data") + "/solarhook.db", store::durability::normal,
                         std::chrono::seconds(1));
    EXPECT_TRUE(s.pending_deliveries("crm", 0, 10).empty()) << "every delivery row ends done";
    EXPECT_GE(
        s.list_deliveries({store::delivery_state::done, "crm", std::nullopt, 1'000'000}).size(),
        acked.size());
}

}  // namespace
}  // namespace solarhook

namespace solarhook {
namespace {

TEST(routing_daemon, deliveries_left_for_a_removed_sink_wait_with_a_warning) {
    test::temp_dir dir;
    const auto cfg = dir.file("c.json");
    json c = {{"listen", "127.0.0.1:0"},
              {"store", {{"data_dir", dir.file("data")}}},
              {"sinks",
               {{"down",
                 {{"kind", "http"},
                  {"url", "http://127.0.0.1:1/x?token=${env:PATH}"},
                  {"retry", {{"initial_ms", 60'000}}}}}}},
              {"routes", {{{"match", {{"types", {"*"}}}}, {"sinks", {"down", "log"}}}}}};
    write_config(cfg, c);
    {
        test::child_process p({k_bin, "serve", "--config", cfg});
        const auto listening = wait_for_msg(p, "listening");
        ASSERT_TRUE(listening.is_object()) << p.all_stderr();
        EXPECT_EQ(listening["sinks"], json({{"down", "http"}, {"log", "log"}}));
        EXPECT_EQ(listening.dump().find(std::getenv("PATH")), std::string::npos);
        const auto port = listening["port"].get<std::uint16_t>();
        ASSERT_EQ(test::post(port, "/webhooks/solarproof", status_change(1, 2)).status, 200);
        const auto retried = wait_for_msg(p, "delivery will be retried");
        ASSERT_TRUE(retried.is_object());
        EXPECT_EQ(retried.dump().find(std::getenv("PATH")), std::string::npos)
            << "the resolved secret is masked in what the sink logs";
        p.signal(SIGTERM);
        EXPECT_EQ(p.wait(), 0);
    }
    c["sinks"] = json::object();
    c["routes"] = {{{"match", {{"types", {"*"}}}}, {"sinks", {"log"}}}};
    write_config(cfg, c);
    test::child_process p({k_bin, "serve", "--config", cfg});
    const auto warned = wait_for_msg(
        p,
        "deliveries are pending for a sink the config does not have; they wait until it "
        "returns or an operator acts (solarhook events list --sink NAME)");
    ASSERT_TRUE(warned.is_object());
    EXPECT_EQ(warned["sink"], "down");
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(), 0);
}

}  // namespace
}  // namespace solarhook

namespace solarhook {
namespace {

TEST(routing_daemon, a_dead_delivery_replayed_from_the_cli_is_delivered_by_the_running_daemon) {
    test::temp_dir dir;
    test::http_recorder server;
    const auto cfg = dir.file("c.json");
    write_config(cfg,
                 {{"listen", "127.0.0.1:0"},
                  {"store", {{"data_dir", dir.file("data")}}},
                  {"sinks",
                   {{"crm", {{"kind", "http"}, {"url", server.url("/flaky/crm/1/400")}}},
                    {"archive", {{"kind", "file"}, {"path", dir.file("a.jsonl")}}}}},
                  {"routes", {{{"match", {{"types", {"*"}}}}, {"sinks", {"crm", "archive"}}}}}});
    test::child_process p({k_bin, "serve", "--config", cfg});
    const auto listening = wait_for_msg(p, "listening");
    ASSERT_TRUE(listening.is_object()) << p.all_stderr();
    ASSERT_EQ(test::post(listening["port"].get<std::uint16_t>(), "/webhooks/solarproof",
                         status_change(5, 2))
                  .status,
              200);
    ASSERT_TRUE(wait_for_msg(p, "delivery dead: permanent failure").is_object());
    const auto r = test::run_to_end({k_bin, "events", "replay", "--state", "dead", "--sink", "crm",
                                     "--data-dir", dir.file("data")});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(test::eventually([&] { return server.requests().size() == 2; }));
    store::event_store s(dir.file("data") + "/solarhook.db", store::durability::normal,
                         std::chrono::seconds(1));
    EXPECT_TRUE(test::eventually([&] {
        return s.list_deliveries({store::delivery_state::done, "crm", std::nullopt, 10}).size() ==
               1;
    }));
    EXPECT_EQ(lines_of(dir.file("a.jsonl")).size(), 1u) << "the archive was not written again";
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(), 0);
}

TEST(routing_daemon, sighup_reopens_a_file_sink_moved_away_by_logrotate) {
    test::temp_dir dir;
    const auto cfg = dir.file("c.json");
    write_config(cfg, config_with(dir, false));
    test::child_process p({k_bin, "serve", "--config", cfg});
    const auto listening = wait_for_msg(p, "listening");
    ASSERT_TRUE(listening.is_object()) << p.all_stderr();
    const auto port = listening["port"].get<std::uint16_t>();
    ASSERT_EQ(test::post(port, "/webhooks/solarproof", status_change(1, 1)).status, 200);
    ASSERT_TRUE(test::eventually([&] { return lines_of(dir.file("all.jsonl")).size() == 1; }));
    std::filesystem::rename(dir.file("all.jsonl"), dir.file("all.jsonl.1"));
    p.signal(SIGHUP);
    ASSERT_TRUE(
        wait_for_msg(p, "config reloaded: routes and sinks apply to deliveries that start now")
            .is_object());
    ASSERT_EQ(test::post(port, "/webhooks/solarproof", status_change(2, 1)).status, 200);
    ASSERT_TRUE(test::eventually([&] { return lines_of(dir.file("all.jsonl")).size() == 1; }));
    EXPECT_EQ(lines_of(dir.file("all.jsonl"))[0]["customer_id"], 2);
    EXPECT_EQ(lines_of(dir.file("all.jsonl.1")).size(), 1u);
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(), 0);
}

}  // namespace
}  // namespace solarhook

namespace solarhook {
namespace {

// An unclassified event a route names is delivered (pending, not quarantined); one
// no route names stays quarantined. And the memory store delivers the same way.
TEST(routing_daemon, a_route_can_take_unclassified_events_with_either_store) {
    for (const std::string store : {"sqlite", "memory"}) {
        SCOPED_TRACE(store);
        test::temp_dir dir;
        const auto cfg = dir.file("c.json");
        write_config(cfg,
                     {{"listen", "127.0.0.1:0"},
                      {"store", {{"kind", store}, {"data_dir", dir.file("data")}}},
                      {"sinks", {{"odd", {{"kind", "file"}, {"path", dir.file("odd.jsonl")}}}}},
                      {"routes",
                       {{{"match", {{"types", {"contract_signed"}}}}, {"sinks", {"odd"}}},
                        {{"match", {{"types", {"*"}}}}, {"sinks", {"odd"}}}}}});
        test::child_process p({k_bin, "serve", "--config", cfg});
        const auto listening = wait_for_msg(p, "listening");
        ASSERT_TRUE(listening.is_object()) << p.all_stderr();
        const auto port = listening["port"].get<std::uint16_t>();
        ASSERT_EQ(
            test::post(port, "/webhooks/solarproof/contract_signed", R"({"contract":9})").status,
            200);
        ASSERT_EQ(test::post(port, "/webhooks/solarproof/other_thing", R"({"x":1})").status, 200);
        ASSERT_EQ(test::post(port, "/webhooks/solarproof", status_change(3, 2)).status, 200);
        ASSERT_TRUE(test::eventually([&] { return lines_of(dir.file("odd.jsonl")).size() == 2; }));
        const auto lines = lines_of(dir.file("odd.jsonl"));
        std::set<std::string> types;
        for (const auto& l : lines) {
            types.insert(l["type"].get<std::string>());
        }
        EXPECT_EQ(types, (std::set<std::string>{"contract_signed", "customer_status_change"}));
        p.signal(SIGTERM);
        EXPECT_EQ(p.wait(), 0);
        if (store == "sqlite") {
            store::event_store s(dir.file("data") + "/solarhook.db", store::durability::normal,
                                 std::chrono::seconds(1));
            const auto q =
                s.list({store::event_state::quarantined, std::nullopt, std::nullopt, 10});
            ASSERT_EQ(q.size(), 1u);
            EXPECT_EQ(q[0].type, "other_thing");
        }
    }
}

}  // namespace
}  // namespace solarhook
