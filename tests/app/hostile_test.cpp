// The real binary against what a hostile client or a stalled environment does:
// a log reader that stops reading, floods of refused bodies, a disk that fills,
// crowds of idle sockets. Each test reproduces a finding of issue 12.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
const std::string k_bin = SOLARHOOK_BINARY;

#if defined(__SANITIZE_ADDRESS__)
// The sanitizer build runs the same requests several times slower.
constexpr auto k_ack_bound = 1000ms;
#else
constexpr auto k_ack_bound = 100ms;
#endif

json next_record(test::child_process& p, std::chrono::milliseconds timeout = 10s) {
    if (auto line = p.read_line(timeout)) {
        return json::parse(*line, nullptr, false);
    }
    return nullptr;
}

std::uint16_t wait_listening(test::child_process& p) {
    for (json j = next_record(p); !j.is_null(); j = next_record(p)) {
        if (j.is_object() && j["msg"] == "listening") {
            return j["port"].get<std::uint16_t>();
        }
    }
    return 0;
}

TEST(hostile, a_stalled_log_reader_never_delays_an_answer_and_loses_no_event) {
    test::temp_dir dir;
    const auto cfg = dir.file("solarhook.json");
    std::ofstream(cfg) << R"({"log_queue_bytes": 65536})";  // so 2,000 access lines overflow it
    test::child_process p({k_bin, "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--data-dir",
                           dir.path().string()});
    const auto port = wait_listening(p);
    ASSERT_NE(port, 0) << p.all_stderr();

    p.pause_stdout();  // the pipe fills after a few hundred access lines
    constexpr int n = 2000;
    auto worst = 0us;
    for (int i = 0; i < n; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = test::post(port, "/webhooks/solarproof",
                                  R"({"pkcustomerquotationid":)" + std::to_string(i) + "}");
        worst = std::max(worst, std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::steady_clock::now() - t0));
        ASSERT_EQ(r.status, 200) << "request " << i;
    }
    EXPECT_EQ(test::request(port, "GET", "/healthz").status, 200);
    EXPECT_LT(worst, k_ack_bound);
    std::cout << "worst ack while stdout was stalled: " << worst.count() << " us\n";

    p.resume_stdout();
    std::set<std::string> keys;
    std::uint64_t dropped = 0;
    for (json j = next_record(p, 30s); !j.is_null(); j = next_record(p, 30s)) {
        if (!j.is_object()) {
            continue;
        }
        if (j["msg"] == "event") {
            keys.insert(j["key"].get<std::string>());
        } else if (j["msg"] == "log lines dropped: the output did not keep up") {
            dropped += j["dropped"].get<std::uint64_t>();
        }
        if (keys.size() == n && dropped > 0) {
            break;
        }
    }
    EXPECT_EQ(keys.size(), static_cast<std::size_t>(n));  // every event line, once each key
    EXPECT_GT(dropped, 0u);
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(30s), 0);
}

}  // namespace
}  // namespace solarhook
