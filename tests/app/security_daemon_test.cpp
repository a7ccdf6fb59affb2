// Who gets in, against the real binary: URL and bearer tokens, lockout after
// failed authentication, rate limits, the allowlist through trusted proxies,
// Standard Webhooks signatures, and personal data kept out of every log line.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "solarhook/security/signature.hpp"
#include "support/child_process.hpp"
#include "support/daemon_log.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;
const std::string k_bin = SOLARHOOK_BINARY;
const std::string k_token = "tok-0123456789-abcdefghij-KLMNOP";
const std::string k_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string k_path = "/webhooks/solarproof";

std::string sample(const std::string& name) {
    std::ifstream in(std::string(SOLARHOOK_SAMPLES_DIR) + "/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A daemon on an ephemeral port with `extra` over a minimal config; stops it by pid.
struct daemon {
    explicit daemon(const json& extra, const std::string& level = "info") {
        json c = {{"listen", "127.0.0.1:0"},
                  {"log_level", level},
                  {"store", {{"data_dir", dir.file("data")}}}};
        c.update(extra);
        std::ofstream(dir.file("c.json")) << c.dump();
        proc = std::make_unique<test::child_process>(
            std::vector<std::string>{k_bin, "serve", "--config", dir.file("c.json")});
        std::vector<json> seen;
        banner = test::wait_for_msg(*proc, "listening", &seen);
        for (const auto& j : seen) {
            lines.push_back(j.dump());
        }
        port = banner.is_object() ? banner["port"].get<std::uint16_t>() : 0;
    }
    ~daemon() {
        if (proc) {
            proc->signal(SIGTERM);
            proc->wait();
        }
    }
    // Every line up to and including the first with msg `msg` (SIGTERM flushes them all).
    std::vector<std::string> stop() {
        proc->signal(SIGTERM);
        EXPECT_EQ(proc->wait(), 0);
        std::istringstream rest(proc->rest_of_stdout());
        for (std::string l; std::getline(rest, l);) {
            lines.push_back(l);
        }
        proc.reset();
        return lines;
    }
    json stats() {
        const auto r =
            test::run_to_end({k_bin, "events", "stats", "--data-dir", dir.file("data"), "--json"});
        return json::parse(r.out);
    }
    test::temp_dir dir;
    std::unique_ptr<test::child_process> proc;
    std::vector<std::string> lines;
    json banner;
    std::uint16_t port = 0;
};

TEST(security_daemon, without_auth_it_runs_and_warns_that_anyone_can_post) {
    daemon d(json::object());
    ASSERT_NE(d.port, 0);
    EXPECT_EQ(d.banner["auth"], "none");
    auto line = d.proc->read_line();
    ASSERT_TRUE(line);
    const auto j = json::parse(*line);
    EXPECT_EQ(j["level"], "warn");
    EXPECT_NE(j["msg"].get<std::string>().find("anyone who can reach"), std::string::npos);
}

TEST(security_daemon, only_a_valid_token_gets_in_and_refusals_store_and_log_nothing) {
    daemon d(json{{"auth", {{"tokens", {k_token, "second-token-for-rotation-000"}}}}});
    ASSERT_NE(d.port, 0);
    EXPECT_EQ(d.banner["auth"], "token");
    const auto before = d.stats();
    const std::string marker = R"({"pkcustomerid": 424242, "customer_name": "INTRUDER-MARKER"})";
    const std::vector<std::pair<std::string, std::map<std::string, std::string>>> refused{
        {k_path, {}},                                                            // missing
        {k_path + "?token=wrong", {}},                                           // wrong
        {k_path + "?token=" + k_token.substr(0, 20), {}},                        // short
        {k_path + "?token=" + k_token.substr(0, k_token.size() - 1) + "Q", {}},  // near miss
        {k_path + "?token=" + k_token + "x", {}},                                // one too long
        {k_path + "?Token=" + k_token, {}},                                      // the wrong name
        {k_path + "/" + k_token, {}},                                            // in the path
        {k_path, {{"X-Token", k_token}}},                                        // the wrong header
        {k_path, {{"Authorization", "Basic " + k_token}}},                       // the wrong scheme
        {"/nowhere?token=nope", {}},  // unknown path: 401 too
    };
    for (const auto& [target, headers] : refused) {
        auto h = headers;
        h["Content-Type"] = "application/json";
        const auto r = test::post(d.port, target, marker, h);
        EXPECT_EQ(r.status, 401) << target;
        EXPECT_EQ(r.json()["error"], "unauthorized") << target;
        EXPECT_EQ(r.header("www-authenticate"), R"(Bearer realm="solarhook")");
    }
    EXPECT_EQ(d.stats(), before);  // no event, no key, no quarantine

    const auto ok = test::post(d.port, k_path + "/customer_created?token=" + k_token,
                               sample("customer_created.json"));
    EXPECT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(test::post(d.port, k_path, sample("customer_status_change.json"),
                         {{"Content-Type", "application/json"},
                          {"Authorization", "Bearer second-token-for-rotation-000"}})
                  .status,
              200);
    EXPECT_EQ(test::request(d.port, "GET", "/healthz").status, 200);
    EXPECT_EQ(test::request(d.port, "GET", "/readyz").status, 200);

    // A refused request's unread body closes the connection before it is read.
    test::raw_connection c(d.port);
    c.send("POST " + k_path +
           " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           "Content-Length: 50000\r\n\r\n");
    const auto early = c.read_reply();
    ASSERT_TRUE(early);
    EXPECT_EQ(early->status, 401);
    EXPECT_TRUE(c.closed_by_peer());

    const auto lines = d.stop();
    bool logged_masked = false;
    for (const auto& l : lines) {
        EXPECT_EQ(l.find(k_token), std::string::npos) << l;
        EXPECT_EQ(l.find("second-token-for-rotation"), std::string::npos) << l;
        EXPECT_EQ(l.find("INTRUDER-MARKER"), std::string::npos) << l;
        EXPECT_EQ(l.find("424242"), std::string::npos) << l;
        logged_masked =
            logged_masked || l.find(k_path + "/customer_created?token=***") != std::string::npos;
    }
    EXPECT_TRUE(logged_masked);
}

TEST(security_daemon, a_token_is_rotated_by_sighup_without_a_restart) {
    const std::string next = "next-token-0123456789-abcdefgh";
    daemon d(json{{"auth", {{"tokens", {k_token}}}}});
    ASSERT_NE(d.port, 0);
    const auto with = [&](const std::string& t) {
        return test::post(d.port, k_path + "?token=" + t, sample("customer_created.json")).status;
    };
    EXPECT_EQ(with(k_token), 200);
    EXPECT_EQ(with(next), 401);
    const auto rewrite = [&](const json& tokens) {
        json c = json::parse(std::ifstream(d.dir.file("c.json")));
        c["auth"]["tokens"] = tokens;
        std::ofstream(d.dir.file("c.json.tmp")) << c.dump();
        std::filesystem::rename(d.dir.file("c.json.tmp"), d.dir.file("c.json"));
        d.proc->signal(SIGHUP);
        while (auto line = d.proc->read_line()) {
            const auto j = json::parse(*line, nullptr, false);
            if (j.is_object() && j["msg"].get<std::string>().starts_with("config reload")) {
                EXPECT_EQ(j["restart_needed_for"], json::array()) << *line;
                return;
            }
        }
        ADD_FAILURE() << "no reload line";
    };
    rewrite({k_token, next});  // both live while the hookUrls change
    EXPECT_EQ(with(k_token), 200);
    EXPECT_EQ(with(next), 200);
    rewrite({next});
    EXPECT_EQ(with(k_token), 401);
    EXPECT_EQ(with(next), 200);
}

TEST(security_daemon, repeated_failures_lock_the_address_out_even_with_the_right_token) {
    daemon d(
        json{{"auth", {{"tokens", {k_token}}}}, {"rate_limit", {{"auth_failures_per_minute", 3}}}});
    ASSERT_NE(d.port, 0);
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(test::post(d.port, k_path + "?token=guess" + std::to_string(i), "{}").status,
                  401);
    }
    const auto r =
        test::post(d.port, k_path + "?token=" + k_token, sample("customer_created.json"));
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.json()["error"], "rate_limited");
    const int retry = std::stoi(r.header("retry-after"));
    EXPECT_GE(retry, 55);
    EXPECT_LE(retry, 60);
    EXPECT_EQ(test::request(d.port, "GET", "/healthz").status, 200);  // health is never limited
}

TEST(security_daemon, a_client_past_its_rate_gets_429_with_retry_after) {
    daemon d(json{{"rate_limit", {{"per_second", 0.1}, {"burst", 3}}}});
    ASSERT_NE(d.port, 0);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(test::post(d.port, k_path, sample("customer_created.json")).status, 200);
    }
    const auto r = test::post(d.port, k_path, sample("customer_created.json"));
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.header("retry-after"), "10");
}

TEST(security_daemon, the_allowlist_sees_the_client_through_trusted_proxies_only) {
    const std::map<std::string, std::string> via_proxy{{"Content-Type", "application/json"},
                                                       {"X-Forwarded-For", "192.0.2.9"}};
    {
        daemon d(json{{"allow", {"192.0.2.0/24"}}});  // loopback is no trusted proxy here
        ASSERT_NE(d.port, 0);
        const auto r = test::post(d.port, k_path, sample("customer_created.json"), via_proxy);
        EXPECT_EQ(r.status, 403);
        EXPECT_EQ(r.json()["error"], "forbidden");
    }
    daemon d(json{{"allow", {"192.0.2.0/24"}}, {"trusted_proxies", {"127.0.0.1/32"}}});
    ASSERT_NE(d.port, 0);
    EXPECT_EQ(test::post(d.port, k_path, sample("customer_created.json"), via_proxy).status, 200);
    EXPECT_EQ(test::post(d.port, k_path, sample("customer_created.json"),
                         {{"Content-Type", "application/json"},
                          {"X-Forwarded-For", "192.0.2.9, 203.0.113.1"}})
                  .status,
              403);  // the proxy says the client was 203.0.113.1; the left entry is a claim
    EXPECT_EQ(test::post(d.port, k_path, sample("customer_created.json")).status, 403);
    bool logged = false;
    for (const auto& l : d.stop()) {
        const auto j = json::parse(l, nullptr, false);
        logged = logged || (j.is_object() && j["msg"] == "request" && j["client"] == "192.0.2.9");
    }
    EXPECT_TRUE(logged);
}

TEST(security_daemon, signed_requests_get_in_and_their_webhook_id_is_the_dedup_key) {
    daemon d(json{{"auth", {{"standard_webhooks", {{"secrets", {k_secret}}}}}}});
    ASSERT_NE(d.port, 0);
    EXPECT_EQ(d.banner["auth"], "signature");
    const auto key = security::decode_whsec(k_secret);
    const auto body = sample("customer_created.json");
    const auto signed_post = [&](const std::string& id, std::int64_t ts, const std::string& b,
                                 const std::string& sig_body) {
        const auto t = std::to_string(ts);
        return test::post(
            d.port, k_path, b,
            {{"Content-Type", "application/json"},
             {"webhook-id", id},
             {"webhook-timestamp", t},
             {"webhook-signature", security::signature_verifier::sign(key, id, t, sig_body)}});
    };
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    auto r = signed_post("msg_1", now, body, body);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["events"][0]["result"], "accepted");
    // Re-sent (a new timestamp and signature, the same id): a duplicate.
    r = signed_post("msg_1", now + 1, body, body);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["events"][0]["result"], "duplicate");
    // Replayed byte for byte within the tolerance: the id makes it a duplicate.
    r = signed_post("msg_1", now, body, body);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["events"][0]["result"], "duplicate");
    // The same body under another id is another event.
    EXPECT_EQ(signed_post("msg_2", now, body, body).json()["events"][0]["result"], "accepted");
    EXPECT_EQ(signed_post("msg_3", now, body, body + " ").status, 401);   // forged
    EXPECT_EQ(signed_post("msg_4", now - 301, body, body).status, 401);   // stale
    EXPECT_EQ(signed_post("msg_5", now + 3600, body, body).status, 401);  // future
    EXPECT_EQ(test::post(d.port, k_path, body).status, 401);              // unsigned
}

// Every value of a redacted field in the samples, to look for in the log.
void collect(const json& j, std::set<std::string>& out) {
    if (!j.is_object()) {
        return;
    }
    static const std::set<std::string> named{
        "customer_email", "customer_name", "first_name",          "surname",
        "site_address",   "siteaddress",   "assigned_user_email", "assigned_user_name"};
    for (const auto& [k, v] : j.items()) {
        if ((named.count(k) > 0 || k.starts_with("phone_")) && v.is_string() &&
            v.get<std::string>().size() > 3) {
            out.insert(v.get<std::string>());
        }
        collect(v, out);
    }
}

TEST(security_daemon, no_line_of_a_debug_run_shows_personal_data_and_the_store_keeps_it) {
    daemon d(json::object(), "debug");
    ASSERT_NE(d.port, 0);
    std::set<std::string> secrets;
    std::vector<std::string> bodies;
    for (const auto& e : std::filesystem::recursive_directory_iterator(SOLARHOOK_SAMPLES_DIR)) {
        if (e.path().extension() == ".json") {
            std::ifstream in(e.path());
            std::stringstream ss;
            ss << in.rdbuf();
            bodies.push_back(ss.str());
            collect(json::parse(ss.str()), secrets);
        }
    }
    ASSERT_GE(bodies.size(), 8u);
    ASSERT_GE(secrets.size(), 5u);
    for (const auto& b : bodies) {
        EXPECT_EQ(test::post(d.port, k_path, b).status, 200) << b;
    }
    ASSERT_TRUE(test::eventually([&] { return d.stats()["by_state"].count("pending") == 0; }));
    std::string shown;
    for (std::size_t id = 1; id <= bodies.size(); ++id) {
        shown += test::run_to_end({k_bin, "events", "show", std::to_string(id), "--data-dir",
                                   d.dir.file("data"), "--json"})
                     .out;
    }
    const auto lines = d.stop();
    std::size_t payload_lines = 0;
    for (const auto& l : lines) {
        payload_lines += l.find("\"event payload\"") != std::string::npos ? 1 : 0;
        for (const auto& s : secrets) {
            EXPECT_EQ(l.find(s), std::string::npos) << s << " in " << l;
        }
    }
    EXPECT_EQ(payload_lines, bodies.size());
    bool kept = false;
    for (const auto& s : secrets) {
        kept = kept || shown.find(s) != std::string::npos;
    }
    EXPECT_TRUE(kept) << shown;  // the store keeps the real values
}

}  // namespace
}  // namespace solarhook
