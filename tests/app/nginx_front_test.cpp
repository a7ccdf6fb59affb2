// docs/deploy.md's nginx configuration (packaging/nginx-solarhook.conf), run by
// Debian's nginx on loopback with a test certificate, in front of the daemon:
// the six samples go through, the daemon logs the client nginx saw, and a body
// over the limit is refused by nginx before the daemon.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "support/child_process.hpp"
#include "support/daemon_log.hpp"
#include "support/http_recorder.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;
const std::string k_bin = SOLARHOOK_BINARY;

// A port free right now on 127.0.0.1 (nginx takes a number, not 0).
int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(nginx_front, the_documented_config_passes_samples_and_the_client_and_stops_big_bodies) {
    test::temp_dir dir;
    test::make_test_pki(dir.path().string());
    // The daemon, trusting the proxy's address only. nginx connects from 127.0.0.2
    // (proxy_bind, added for the test) so that its address differs from the client's.
    std::ofstream(dir.file("c.json")) << json{
        {"listen", "127.0.0.1:0"},
        {"store", {{"data_dir", dir.file("data")}}},
        {"trusted_proxies",
         {"127.0.0.2/32"}}}.dump();
    test::child_process daemon({k_bin, "serve", "--config", dir.file("c.json")});
    const int daemon_port = test::listening_port(daemon);
    ASSERT_NE(daemon_port, 0) << daemon.all_stderr();

    auto site = read_file(std::string(SOLARHOOK_SOURCE_DIR) + "/packaging/nginx-solarhook.conf");
    const int port = free_port();
    site = std::regex_replace(site, std::regex("127\\.0\\.0\\.1:8080"),
                              "127.0.0.1:" + std::to_string(daemon_port));
    site = std::regex_replace(site, std::regex("listen 443 ssl;"),
                              "listen 127.0.0.1:" + std::to_string(port) + " ssl;");
    site = std::regex_replace(site,
                              std::regex("/etc/letsencrypt/live/hooks.example.com/fullchain.pem"),
                              dir.file("cert.pem"));
    site =
        std::regex_replace(site, std::regex("/etc/letsencrypt/live/hooks.example.com/privkey.pem"),
                           dir.file("key.pem"));
    site = std::regex_replace(site, std::regex("/var/log/nginx/solarhook.access.log"),
                              dir.file("access.log"));
    site = std::regex_replace(site, std::regex("proxy_pass http://solarhook;"),
                              "proxy_pass http://solarhook;\n        proxy_bind 127.0.0.2;");
    std::ofstream(dir.file("nginx.conf"))
        << "pid " << dir.file("nginx.pid") << ";\nerror_log " << dir.file("error.log")
        << ";\nevents {}\nhttp {\n  client_body_temp_path " << dir.file("body") << ";\n"
        << "  proxy_temp_path " << dir.file("proxy") << ";\n"
        << site << "\n}\n";
    test::child_process nginx({"/usr/sbin/nginx", "-p", dir.path().string(), "-c",
                               dir.file("nginx.conf"), "-g", "daemon off;"});
    const std::string base = "https://localhost:" + std::to_string(port);
    const auto curl = [&](const std::vector<std::string>& extra) {
        std::vector<std::string> args{
            "/usr/bin/curl",    "-sS", "--max-time", "10", "--cacert",
            dir.file("ca.pem"), "-o",  "-",          "-w", "\n%{http_code}"};
        args.insert(args.end(), extra.begin(), extra.end());
        return test::run_to_end(args);
    };
    ASSERT_TRUE(test::eventually([&] { return curl({base + "/nowhere"}).out.ends_with("404"); }))
        << read_file(dir.file("error.log"));

    for (const auto* type :
         {"customer_created", "customer_status_change", "project_email_sent", "project_sms_sent",
          "published_proposal_link", "recent_draft_project"}) {
        const auto r =
            curl({"-H", "Content-Type: application/json", "-H", "X-Forwarded-For: 6.6.6.6",
                  "--data-binary", "@" + std::string(SOLARHOOK_SAMPLES_DIR) + "/" + type + ".json",
                  base + "/webhooks/solarproof/" + type + "?token=not-logged-here"});
        EXPECT_TRUE(r.out.ends_with("200")) << type << ": " << r.out << r.err;
        EXPECT_NE(r.out.find("\"accepted\""), std::string::npos) << r.out;
    }
    // Over client_max_body_size: nginx answers 413, the daemon sees nothing.
    std::ofstream(dir.file("big.json"))
        << "{\"pkcustomerid\": 1, \"pad\": \"" << std::string(70'000, 'x') << "\"}";
    const auto big = curl({"-H", "Content-Type: application/json", "--data-binary",
                           "@" + dir.file("big.json"), base + "/webhooks/solarproof"});
    EXPECT_TRUE(big.out.ends_with("413")) << big.out;

    nginx.signal(SIGQUIT);
    EXPECT_EQ(nginx.wait(), 0);
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait(), 0);
    int requests = 0;
    std::istringstream out(daemon.rest_of_stdout());
    for (std::string l; std::getline(out, l);) {
        const auto j = json::parse(l, nullptr, false);
        if (j.is_object() && j["msg"] == "request") {
            ++requests;
            EXPECT_EQ(j["client"], "127.0.0.1") << l;  // nginx's view, not the spoofed 6.6.6.6
            EXPECT_TRUE(j["remote"].get<std::string>().starts_with("127.0.0.2:")) << l;
            EXPECT_EQ(j["status"], 200) << l;
        }
    }
    EXPECT_EQ(requests, 6);  // the 413 never reached the daemon
    const auto access = read_file(dir.file("access.log"));
    EXPECT_EQ(access.find("not-logged-here"), std::string::npos) << access;
    EXPECT_NE(access.find("\"POST /webhooks/solarproof/customer_created\" 200"), std::string::npos)
        << access;
}

}  // namespace
}  // namespace solarhook
