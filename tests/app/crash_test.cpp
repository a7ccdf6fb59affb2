// Persist-before-ack, proved with the real binary: clients record every key that
// got a 200, the daemon is SIGKILLed mid-load, restarted on the same data dir,
// and every acknowledged key must be processed and marked done, and be a
// duplicate if delivered again.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "solarhook/store/event_store.hpp"
#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace solarhook {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

struct daemon_run {
    std::unique_ptr<test::child_process> proc;
    std::uint16_t port = 0;
    std::vector<std::string> lines;  // stdout lines read so far

    explicit daemon_run(const std::string& data_dir) {
        proc = std::make_unique<test::child_process>(
            std::vector<std::string>{SOLARHOOK_BINARY, "serve", "--listen", "127.0.0.1:0",
                                     "--data-dir", data_dir, "--workers", "2"});
        while (auto line = proc->read_line()) {
            lines.push_back(*line);
            const auto j = json::parse(*line, nullptr, false);
            if (j.is_object() && j["msg"] == "listening") {
                port = j["port"].get<std::uint16_t>();
                break;
            }
        }
    }
    // Every "event" line's key, after the process has exited.
    std::multiset<std::string> processed_keys() {
        std::istringstream rest(proc->rest_of_stdout());
        std::string line;
        while (std::getline(rest, line)) {
            lines.push_back(line);
        }
        std::multiset<std::string> keys;
        for (const auto& l : lines) {
            const auto j = json::parse(l, nullptr, false);
            if (j.is_object() && j["msg"] == "event") {
                keys.insert(j["key"].get<std::string>());
            }
        }
        return keys;
    }
};

std::string post_bytes(const std::string& body) {
    return "POST /webhooks/solarproof HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string body_for(std::int64_t id) {
    return R"({"pkcustomerquotationid":)" + std::to_string(id) +
           R"(,"fkuserid":7,"quotenickname":"crash test"})";
}

TEST(crash, sigkill_under_load_loses_no_acknowledged_event) {
    const int kill_points[] = {100, 500, 1000, 2000, 3000};
    int run_no = 0;
    for (const int kill_after : kill_points) {
        ++run_no;
        SCOPED_TRACE("kill after " + std::to_string(kill_after) + " acks");
        test::temp_dir dir;
        daemon_run first(dir.path().string());
        ASSERT_NE(first.port, 0);

        std::mutex m;
        std::map<std::string, std::int64_t> acked;  // key -> id
        std::atomic<int> acks{0};
        std::vector<std::thread> clients;
        for (int t = 0; t < 4; ++t) {
            clients.emplace_back([&, t] {
                try {
                    test::raw_connection conn(first.port, 5s);
                    for (std::int64_t i = 0;; ++i) {
                        const std::int64_t id = run_no * 10'000'000LL + t * 1'000'000LL + i;
                        conn.send(post_bytes(body_for(id)));
                        const auto r = conn.read_reply();
                        if (!r) {
                            return;  // the daemon died mid-request: this one was never acked
                        }
                        if (r->status == 200) {
                            std::lock_guard lock(m);
                            acked[json::parse(r->body)["events"][0]["key"]] = id;
                            ++acks;
                        }
                    }
                } catch (const std::exception&) {
                    // connection refused or reset by the kill
                }
            });
        }
        ASSERT_TRUE(test::eventually([&] { return acks.load() >= kill_after; }, 60s));
        first.proc->signal(SIGKILL);
        ASSERT_EQ(first.proc->wait(), 128 + SIGKILL);
        for (auto& c : clients) {
            c.join();
        }
        const auto before = first.processed_keys();

        daemon_run second(dir.path().string());
        ASSERT_NE(second.port, 0);
        const auto db = (dir.path() / "solarhook.db").string();
        ASSERT_TRUE(test::eventually(
            [&] {
                auto s = store::event_store::open_existing(db, 1s);
                return !s->stats().oldest_pending.has_value();
            },
            30s));
        // A redelivery of acknowledged events after the restart is a duplicate.
        int redelivered = 0;
        for (const auto& [key, id] : acked) {
            if (redelivered++ == 25) {
                break;
            }
            const auto r = test::post(second.port, "/webhooks/solarproof", body_for(id));
            EXPECT_EQ(r.json()["events"][0]["result"], "duplicate") << key;
        }
        second.proc->signal(SIGTERM);
        ASSERT_EQ(second.proc->wait(), 0);
        const auto after = second.processed_keys();

        auto store = store::event_store::open_existing(db, 1s);
        std::size_t reprocessed = 0;
        for (const auto& [key, id] : acked) {
            const bool seen_before = before.count(key) > 0;
            const bool seen_after = after.count(key) > 0;
            EXPECT_TRUE(seen_before || seen_after) << "acknowledged but never processed: " << key;
            EXPECT_LE(before.count(key), 1u) << key;
            EXPECT_LE(after.count(key), 1u) << key;
            reprocessed += (seen_before && seen_after) ? 1 : 0;
        }
        // Every acknowledged key has exactly one row, and it is done.
        const auto rows =
            store->list(store::list_filter{std::nullopt, std::nullopt, std::nullopt, 1'000'000});
        std::map<std::string, int> rows_per_key;
        for (const auto& r : rows) {
            ++rows_per_key[r.key];
            if (acked.count(r.key)) {
                EXPECT_EQ(r.state, store::event_state::done) << r.key;
            }
        }
        for (const auto& [key, id] : acked) {
            EXPECT_EQ(rows_per_key[key], 1) << key;
        }
        std::printf(
            "[ crash run %d ] %zu acknowledged, %zu stored, processed before kill %zu, "
            "after restart %zu, processed twice (handler ran, done not yet committed) %zu\n",
            run_no, acked.size(), rows.size(), before.size(), after.size(), reprocessed);
    }
}

}  // namespace
}  // namespace solarhook
