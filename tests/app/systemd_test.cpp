// The systemd side, with no systemd: a notify socket of the test's own stands in
// for the manager (READY, RELOADING, STOPPING, WATCHDOG as sd_notify sends them),
// and systemd-analyze checks the unit file.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "support/child_process.hpp"
#include "support/daemon_log.hpp"
#include "support/temp_dir.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;
const std::string k_bin = SOLARHOOK_BINARY;

// A datagram socket where sd_notify's messages arrive.
class notify_socket {
  public:
    explicit notify_socket(const std::string& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    }
    ~notify_socket() { ::close(fd_); }
    // The next message that contains `what`, or "" after `timeout`.
    std::string wait_for(const std::string& what,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            pollfd p{fd_, POLLIN, 0};
            if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
                return {};
            }
            char buf[4096];
            const auto n = ::recv(fd_, buf, sizeof(buf), 0);
            if (n > 0) {
                std::string msg(buf, static_cast<std::size_t>(n));
                seen.push_back(msg);
                if (msg.find(what) != std::string::npos) {
                    return msg;
                }
            }
        }
    }
    std::vector<std::string> seen;

  private:
    std::string path_;
    int fd_ = -1;
};

TEST(systemd, the_daemon_says_ready_reloading_stopping_and_pings_the_watchdog) {
    test::temp_dir dir;
    notify_socket sock(dir.file("notify.sock"));
    std::ofstream(dir.file("c.json"))
        << json{{"listen", "127.0.0.1:0"}, {"store", {{"data_dir", dir.file("data")}}}}.dump();
    test::child_process p({"/usr/bin/env", "NOTIFY_SOCKET=" + dir.file("notify.sock"),
                           "WATCHDOG_USEC=200000", k_bin, "serve", "--config", dir.file("c.json")});
    const auto ready = sock.wait_for("READY=1");
    ASSERT_NE(ready, "") << p.all_stderr();
    EXPECT_NE(ready.find("STATUS=listening"), std::string::npos);
    // Every 100 ms (half of WATCHDOG_USEC), from the io loop.
    EXPECT_NE(sock.wait_for("WATCHDOG=1", std::chrono::seconds(2)), "");
    EXPECT_NE(sock.wait_for("WATCHDOG=1", std::chrono::seconds(2)), "");

    p.signal(SIGHUP);
    const auto reloading = sock.wait_for("RELOADING=1");
    EXPECT_TRUE(std::regex_search(reloading, std::regex("MONOTONIC_USEC=[0-9]+"))) << reloading;
    EXPECT_NE(sock.wait_for("READY=1"), "");

    p.signal(SIGTERM);
    EXPECT_NE(sock.wait_for("STOPPING=1"), "");
    EXPECT_EQ(p.wait(), 0);
}

TEST(systemd, without_a_notify_socket_nothing_changes) {
    test::temp_dir dir;
    test::child_process p({"/usr/bin/env", "-u", "NOTIFY_SOCKET", k_bin, "serve", "--listen",
                           "127.0.0.1:0", "--data-dir", dir.file("data")});
    EXPECT_NE(test::listening_port(p), 0) << p.all_stderr();
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(), 0);
}

TEST(systemd, the_unit_verifies_and_its_exposure_is_low) {
    test::temp_dir dir;
    std::ifstream in(std::string(SOLARHOOK_SOURCE_DIR) + "/packaging/solarhook.service");
    std::stringstream ss;
    ss << in.rdbuf();
    // verify checks that ExecStart exists: point it at the binary just built.
    std::ofstream(dir.file("solarhook.service"))
        << std::regex_replace(ss.str(), std::regex("/usr/bin/solarhook"), k_bin);
    auto r =
        test::run_to_end({"/usr/bin/systemd-analyze", "verify", dir.file("solarhook.service")});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_EQ(r.err, "") << r.err;  // no warning either
    r = test::run_to_end(
        {"/usr/bin/systemd-analyze", "security", "--offline=true", dir.file("solarhook.service")});
    std::smatch m;
    const auto all = r.out + r.err;
    ASSERT_TRUE(std::regex_search(
        all, m, std::regex(R"(exposure level for solarhook\.service: ([0-9.]+))")))
        << all;
    EXPECT_LE(std::stod(m[1]), 2.0) << all;  // docs/operations.md records the figure
}

}  // namespace
}  // namespace solarhook
