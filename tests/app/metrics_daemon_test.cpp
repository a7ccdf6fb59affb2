// GET /metrics from the real binary: promtool accepts the text, and the counters
// move as samples are posted and delivered; metrics.listen and metrics.enabled.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/child_process.hpp"
#include "support/daemon_log.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;
const std::string k_bin = SOLARHOOK_BINARY;

struct metrics_daemon {
    explicit metrics_daemon(const std::function<json(const test::temp_dir&)>& extra) {
        json c = {{"listen", "127.0.0.1:0"}, {"store", {{"data_dir", dir.file("data")}}}};
        c.update(extra(dir));
        std::ofstream(dir.file("c.json")) << c.dump();
        proc = std::make_unique<test::child_process>(
            std::vector<std::string>{k_bin, "serve", "--config", dir.file("c.json")});
        if (const auto j = test::wait_for_msg(*proc, "listening"); j.is_object()) {
            port = j["port"].get<std::uint16_t>();
            metrics_port = j.value("metrics_port", std::uint16_t{0});
        }
    }
    ~metrics_daemon() {
        proc->signal(SIGTERM);
        EXPECT_EQ(proc->wait(), 0);
    }
    test::temp_dir dir;
    std::unique_ptr<test::child_process> proc;
    std::uint16_t port = 0;
    std::uint16_t metrics_port = 0;
};

// The value of the sample `name{labels}` (exactly as printed), or -1.
double sample(const std::string& text, const std::string& series) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with(series + " ")) {
            return std::stod(line.substr(series.size() + 1));
        }
    }
    return -1;
}

std::string scrape(std::uint16_t port) {
    const auto r = test::request(port, "GET", "/metrics", {}, {});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    return r.body;
}

std::string sample_body(const std::string& name) {
    std::ifstream in(std::string(SOLARHOOK_SAMPLES_DIR) + "/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(metrics_daemon, promtool_accepts_the_text_and_the_counters_follow_the_traffic) {
    metrics_daemon d([](const test::temp_dir& dir) {
        return json{
            {"sinks", {{"archive", {{"kind", "file"}, {"path", dir.file("all.jsonl")}}}}},
            {"routes", {{{"name", "all"}, {"match", {{"types", {"*"}}}}, {"sinks", {"archive"}}}}}};
    });
    ASSERT_NE(d.port, 0);
    const auto before = scrape(d.port);
    EXPECT_EQ(
        sample(before, R"(solarhook_events_total{result="accepted",type="customer_created"})"), -1);
    const std::vector<std::string> samples{
        "customer_created.json", "customer_status_change.json",  "project_email_sent.json",
        "project_sms_sent.json", "published_proposal_link.json", "recent_draft_project.json"};
    for (const auto& s : samples) {
        ASSERT_EQ(test::post(d.port, "/webhooks/solarproof", sample_body(s)).status, 200);
    }
    ASSERT_EQ(test::post(d.port, "/webhooks/solarproof", sample_body(samples[0])).status, 200);
    EXPECT_EQ(test::post(d.port, "/webhooks/solarproof", "{not json").status, 400);

    std::string text;
    ASSERT_TRUE(test::eventually([&] {
        text = scrape(d.port);
        return sample(text, R"(solarhook_deliveries_total{outcome="success",sink="archive"})") == 6;
    })) << text;
    EXPECT_EQ(sample(text, R"(solarhook_events_total{result="accepted",type="customer_created"})"),
              1);
    EXPECT_EQ(sample(text, R"(solarhook_events_total{result="duplicate",type="customer_created"})"),
              1);
    EXPECT_EQ(sample(text, R"(solarhook_events_total{result="accepted",type="project_sms_sent"})"),
              1);
    EXPECT_EQ(sample(text, R"(solarhook_http_requests_total{code="200",route="webhook"})"), 7);
    EXPECT_EQ(sample(text, R"(solarhook_http_requests_total{code="400",route="webhook"})"), 1);
    EXPECT_GE(sample(text, R"(solarhook_http_requests_total{code="200",route="metrics"})"), 1);
    EXPECT_EQ(sample(text, "solarhook_ack_seconds_count"), 8);
    EXPECT_EQ(sample(text, R"(solarhook_ack_seconds_bucket{le="5"})"), 8);
    EXPECT_GE(sample(text, "solarhook_store_commit_seconds_count"), 7);
    EXPECT_EQ(sample(text, "solarhook_store_healthy"), 1);
    EXPECT_GT(sample(text, "solarhook_store_database_bytes"), 0);
    EXPECT_EQ(sample(text, "solarhook_dedup_live_keys"), 6);
    EXPECT_EQ(sample(text, "solarhook_queue_capacity"), 10000);
    EXPECT_EQ(sample(text, R"(solarhook_delivery_oldest_pending_seconds{sink="archive"})"), 0);
    EXPECT_EQ(sample(text, R"(solarhook_build_info{version=")" SOLARHOOK_VERSION R"("})"), 1);

    // promtool (Debian's prometheus) lints the exposition format.
    std::ofstream(d.dir.file("metrics.txt")) << text;
    const auto lint = test::run_to_end(
        {"/bin/sh", "-c", "/usr/bin/promtool check metrics < " + d.dir.file("metrics.txt")});
    EXPECT_EQ(lint.code, 0) << lint.out << lint.err;
}

TEST(metrics_daemon, the_alert_rules_load_and_fire_as_their_tests_say) {
    const std::string dir = std::string(SOLARHOOK_SOURCE_DIR) + "/packaging";
    auto r =
        test::run_to_end({"/usr/bin/promtool", "check", "rules", dir + "/solarhook-alerts.yml"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("SUCCESS: 6 rules found"), std::string::npos) << r.out;
    r = test::run_to_end(
        {"/bin/sh", "-c",
         "cd " + dir + " && /usr/bin/promtool test rules solarhook-alerts.test.yml"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
}

TEST(metrics_daemon, metrics_listen_serves_them_apart_from_the_webhook_path) {
    metrics_daemon d([](const test::temp_dir&) {
        return json{{"metrics", {{"listen", "127.0.0.1:0"}}}};
    });
    ASSERT_NE(d.port, 0);
    ASSERT_NE(d.metrics_port, 0);
    ASSERT_NE(d.metrics_port, d.port);
    EXPECT_EQ(test::request(d.port, "GET", "/metrics", {}, {}).status, 404);
    EXPECT_NE(scrape(d.metrics_port).find("solarhook_build_info"), std::string::npos);
    EXPECT_EQ(test::request(d.metrics_port, "GET", "/healthz", {}, {}).status, 200);
    EXPECT_EQ(
        test::post(d.metrics_port, "/webhooks/solarproof", sample_body("customer_created.json"))
            .status,
        404);
    EXPECT_EQ(
        test::post(d.port, "/webhooks/solarproof", sample_body("customer_created.json")).status,
        200);
}

TEST(metrics_daemon, disabled_metrics_are_not_found_and_need_no_token_when_enabled) {
    {
        metrics_daemon d([](const test::temp_dir&) {
            return json{{"metrics", {{"enabled", false}}}};
        });
        EXPECT_EQ(test::request(d.port, "GET", "/metrics", {}, {}).status, 404);
    }
    metrics_daemon d([](const test::temp_dir&) {
        return json{{"auth", {{"tokens", {"metrics-test-token-0123456789"}}}}};
    });
    EXPECT_EQ(test::request(d.port, "GET", "/metrics", {}, {}).status, 200);
    EXPECT_EQ(test::post(d.port, "/webhooks/solarproof", "{}").status, 401);
}

}  // namespace
}  // namespace solarhook
