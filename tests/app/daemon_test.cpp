// The real binary, as an operator runs it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "support/child_process.hpp"
#include "support/daemon_log.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"
#include "support/test_service.hpp"
#include "support/wait.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;
using test::wait_for_msg;
const std::string k_bin = SOLARHOOK_BINARY;

TEST(daemon, version_and_usage) {
    auto v = test::run_to_end({k_bin, "--version"});
    EXPECT_EQ(v.code, 0);
    EXPECT_EQ(v.out, std::string("solarhook ") + SOLARHOOK_VERSION + "\n");
    EXPECT_EQ(test::run_to_end({k_bin}).code, 2);
    EXPECT_EQ(test::run_to_end({k_bin, "bogus"}).code, 2);
    auto bad_flag = test::run_to_end({k_bin, "serve", "--workers", "0"});
    EXPECT_EQ(bad_flag.code, 2);
    EXPECT_NE(bad_flag.err.find("workers"), std::string::npos) << bad_flag.err;
}

TEST(daemon, check_config_accepts_the_example_and_names_a_bad_key) {
    auto ok = test::run_to_end(
        {k_bin, "check-config", std::string(SOLARHOOK_SOURCE_DIR) + "/config/solarhook.json"});
    EXPECT_EQ(ok.code, 0) << ok.err;
    EXPECT_NE(ok.out.find("config OK"), std::string::npos);

    const auto path = std::filesystem::temp_directory_path() /
                      ("solarhook_cfg_" + std::to_string(::getpid()) + ".json");
    std::ofstream(path) << R"({"limits": {"max_body_byte": 10}})";
    auto bad = test::run_to_end({k_bin, "check-config", path.string()});
    EXPECT_EQ(bad.code, 2);
    EXPECT_NE(bad.err.find("limits.max_body_byte"), std::string::npos) << bad.err;
    std::ofstream(path) << R"({"workers": "two"})";
    bad = test::run_to_end({k_bin, "serve", "--config", path.string()});
    EXPECT_EQ(bad.code, 2);
    EXPECT_NE(bad.err.find("'workers': expected an integer"), std::string::npos) << bad.err;
    std::filesystem::remove(path);
}

TEST(daemon, cannot_bind_is_a_clear_failure) {
    test::running_service taken;
    test::child_process p(
        {k_bin, "serve", "--listen", "127.0.0.1:" + std::to_string(taken.port())});
    const auto code = p.wait();
    ASSERT_TRUE(code);
    EXPECT_EQ(*code, 1);
    EXPECT_NE(p.rest_of_stdout().find("cannot start"), std::string::npos);
}

TEST(daemon, a_second_daemon_on_the_same_data_dir_refuses_to_start) {
    test::temp_dir dir;
    test::child_process first(
        {k_bin, "serve", "--listen", "127.0.0.1:0", "--data-dir", dir.path().string()});
    ASSERT_TRUE(wait_for_msg(first, "listening").is_object()) << first.all_stderr();
    test::child_process second(
        {k_bin, "serve", "--listen", "127.0.0.1:0", "--data-dir", dir.path().string()});
    const auto code = second.wait();
    ASSERT_TRUE(code);
    EXPECT_EQ(*code, 1);
    EXPECT_NE(second.rest_of_stdout().find("is in use by another solarhook (pid " +
                                           std::to_string(first.pid()) + ")"),
              std::string::npos);
    first.signal(SIGTERM);
    EXPECT_EQ(first.wait(), std::optional<int>(0));
}

TEST(daemon, runs_on_the_allocator_it_was_built_for) {
    test::temp_dir dir;
    test::child_process p({k_bin, "serve", "--listen", "127.0.0.1:0", "--store", "memory",
                           "--data-dir", dir.path().string()});
    ASSERT_TRUE(wait_for_msg(p, "listening").is_object()) << p.all_stderr();
    std::ifstream maps("/proc/" + std::to_string(p.pid()) + "/maps");
    const std::string all{std::istreambuf_iterator<char>(maps), {}};
    ASSERT_FALSE(all.empty());
    EXPECT_EQ(all.find("libjemalloc") != std::string::npos, SOLARHOOK_EXPECT_JEMALLOC != 0)
        << "built with SOLARHOOK_ALLOCATOR=" << (SOLARHOOK_EXPECT_JEMALLOC ? "jemalloc" : "system");
    p.signal(SIGTERM);
}

TEST(daemon, serves_events_and_drains_on_sigterm) {
    test::temp_dir dir;
    test::child_process p({k_bin, "serve", "--listen", "127.0.0.1:0", "--workers", "2",
                           "--data-dir", dir.path().string()});
    const json listening = wait_for_msg(p, "listening");
    ASSERT_TRUE(listening.is_object()) << p.all_stderr();
    const auto port = listening["port"].get<std::uint16_t>();
    ASSERT_NE(port, 0);

    constexpr int n = 200;
    for (int i = 0; i < n; ++i) {
        const auto r = test::post(port, "/webhooks/solarproof",
                                  R"({"pkcustomerquotationid":)" + std::to_string(i) + "}");
        ASSERT_EQ(r.status, 200);
    }
    p.signal(SIGTERM);
    std::vector<json> seen;
    const json done = wait_for_msg(p, "shutdown complete", &seen);
    ASSERT_TRUE(done.is_object());
    EXPECT_EQ(done["events_left_unprocessed"], 0);
    EXPECT_EQ(done["events_processed"], n);
    EXPECT_EQ(done["requests_drained"], true);
    const auto events = std::count_if(seen.begin(), seen.end(), [](const json& j) {
        return j.is_object() && j["msg"] == "event" && j["type"] == "recent_draft_project";
    });
    EXPECT_EQ(events, n);
    const auto code = p.wait();
    ASSERT_TRUE(code);
    EXPECT_EQ(*code, 0);
}

// A port that was free a moment ago, for a daemon whose stdout the test cannot read.
std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        throw std::runtime_error("no free port");
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

TEST(daemon, a_log_reader_that_went_away_does_not_kill_it) {
    // stdout is a FIFO whose only reader closes it at once, so log writes fail with
    // EPIPE. The daemon keeps answering and keeps the events; they stay pending, because
    // their log lines could not be written. sh execs the daemon: signals reach it.
    test::temp_dir dir;
    const auto port = std::to_string(free_port());
    test::child_process p({"/bin/sh", "-c",
                           "mkfifo \"$2/out\" || exit 1; (exec 3<\"$2/out\") & exec \"$0\" serve "
                           "--listen 127.0.0.1:$1 --data-dir \"$2\" >\"$2/out\"",
                           k_bin, port, dir.path().string()});
    const auto up = [&] {
        try {
            return test::request(static_cast<std::uint16_t>(std::stoi(port)), "GET", "/healthz")
                       .status == 200;
        } catch (const std::exception&) {
            return false;
        }
    };
    ASSERT_TRUE(test::eventually(up, std::chrono::seconds(10))) << p.all_stderr();
    for (int i = 0; i < 20; ++i) {
        // Each answer comes after the previous event's log line was attempted (the
        // worker flushes as soon as it takes an event).
        ASSERT_EQ(test::post(static_cast<std::uint16_t>(std::stoi(port)), "/webhooks/solarproof",
                             R"({"pkcustomerquotationid":)" + std::to_string(i) + "}")
                      .status,
                  200)
            << i;
    }
    EXPECT_TRUE(up());
    const auto list =
        test::run_to_end({k_bin, "events", "list", "--data-dir", dir.path().string(), "--json"});
    EXPECT_EQ(list.code, 0) << list.err;
    EXPECT_EQ(json::parse(list.out).size(), 20u) << list.out;
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(), 0);
}

TEST(daemon, text_logs_on_request) {
    test::child_process p(
        {k_bin, "serve", "--store", "memory", "--listen", "127.0.0.1:0", "--log-format", "text"});
    std::optional<std::string> line;
    while ((line = p.read_line()) && line->find(" listening ") == std::string::npos) {
    }
    ASSERT_TRUE(line);
    EXPECT_NE(line->find(" info listening "), std::string::npos) << *line;
    p.signal(SIGINT);
    EXPECT_EQ(p.wait(), 0);
}

}  // namespace
}  // namespace solarhook
