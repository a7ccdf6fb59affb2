// send-test against the real daemon, and provider subscribe/unsubscribe against
// a fake of the provider's API (tests/support/http_recorder.py).
#include "solarhook/app/remote_cli.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/child_process.hpp"
#include "support/daemon_log.hpp"
#include "support/http_recorder.hpp"
#include "support/temp_dir.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;
const std::string k_bin = SOLARHOOK_BINARY;

struct served {
    explicit served(const std::vector<std::string>& extra = {}) {
        std::vector<std::string> args{k_bin,         "serve",      "--listen",
                                      "127.0.0.1:0", "--data-dir", dir.file("data")};
        args.insert(args.end(), extra.begin(), extra.end());
        proc = std::make_unique<test::child_process>(args);
        port = test::listening_port(*proc);
    }
    ~served() {
        proc->signal(SIGTERM);
        EXPECT_EQ(proc->wait(), 0);
    }
    std::string url() const {
        return "http://127.0.0.1:" + std::to_string(port) + "/webhooks/solarproof";
    }
    test::temp_dir dir;
    std::unique_ptr<test::child_process> proc;
    int port = 0;
};

TEST(remote_cli, url_for_type_appends_the_type_before_the_query_once) {
    EXPECT_EQ(app::url_for_type("https://h/webhooks/solarproof", "customer_created"),
              "https://h/webhooks/solarproof/customer_created");
    EXPECT_EQ(app::url_for_type("https://h/webhooks/solarproof/?token=x", "project_sms_sent"),
              "https://h/webhooks/solarproof/project_sms_sent?token=x");
    EXPECT_EQ(app::url_for_type("https://h/w/customer_created?token=x", "customer_created"),
              "https://h/w/customer_created?token=x");
}

TEST(remote_cli, send_test_posts_every_type_in_both_generations_and_as_an_array) {
    served d;
    ASSERT_NE(d.port, 0);
    auto r = test::run_to_end({k_bin, "send-test", "all", "--url", d.url()});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("customer_created generation 2: 200 customer_created accepted"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("project_sms_sent generation 1 (array): 200 project_sms_sent duplicate"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("18 of 18 answered 200"), std::string::npos) << r.out;
    // --repeat re-sends: the daemon says duplicate, and that is still a 200.
    r = test::run_to_end({k_bin, "send-test", "customer_status_change", "--url", d.url(),
                          "--generation", "1", "--repeat", "3"});
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("3 of 3 answered 200"), std::string::npos) << r.out;
}

TEST(remote_cli, send_test_fails_when_the_daemon_refuses_and_passes_with_the_token) {
    test::temp_dir dir;
    const std::string token = "send-test-token-0123456789ab";
    std::ofstream(dir.file("c.json")) << json{
        {"listen", "127.0.0.1:0"},
        {"store", {{"data_dir", dir.file("data")}}},
        {"auth", {{"tokens", {token}}}}}.dump();
    test::child_process p({k_bin, "serve", "--config", dir.file("c.json")});
    const int port = test::listening_port(p);
    ASSERT_NE(port, 0);
    const auto url = "http://127.0.0.1:" + std::to_string(port) + "/webhooks/solarproof";
    auto r = test::run_to_end(
        {k_bin, "send-test", "customer_created", "--url", url, "--generation", "1"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("401"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("0 of 1 answered 200"), std::string::npos) << r.out;
    r = test::run_to_end({k_bin, "send-test", "customer_created", "--url", url, "--generation", "1",
                          "--token", token});
    EXPECT_EQ(r.code, 0) << r.out;
    r = test::run_to_end({k_bin, "send-test", "customer_created", "--url", "http://127.0.0.1:1/w"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("failed:"), std::string::npos) << r.out;
    EXPECT_EQ(test::run_to_end({k_bin, "send-test", "nonsense", "--url", url}).code, 2);
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(), 0);
}

std::vector<json> api_calls(const test::http_recorder& fake) {
    std::vector<json> out;
    for (const auto& r : fake.requests()) {
        if (r["path"].get<std::string>().starts_with("/provider/apidata.php?")) {
            out.push_back(r);
        }
    }
    return out;
}

test::run_result provider(const std::vector<std::string>& args, const std::string& key) {
    std::vector<std::string> all{"/usr/bin/env", "SOLARPROOF_API_KEY=" + key, k_bin, "provider"};
    all.insert(all.end(), args.begin(), args.end());
    return test::run_to_end(all);
}

TEST(remote_cli, provider_subscribes_each_type_with_its_own_url_and_unsubscribes_them) {
    test::http_recorder fake;
    const auto api = fake.url("/provider/apidata.php");
    const std::string hook = "https://hooks.example.com/webhooks/solarproof?token=abc";
    auto r = provider({"subscribe", "--url", hook, "--api-base", api, "--types",
                       "customer_created,project_sms_sent"},
                      "test-api-key");
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    const auto calls = api_calls(fake);
    ASSERT_EQ(calls.size(), 2u);
    const auto first = json::parse(calls[0]["body"].get<std::string>());
    EXPECT_EQ(first["hookUrl"],
              "https://hooks.example.com/webhooks/solarproof/customer_created?token=abc");
    EXPECT_EQ(first["type_request"], "customer_created");
    EXPECT_NE(calls[0]["path"].get<std::string>().find("action=subscribe_customer"),
              std::string::npos);
    EXPECT_EQ((r.out + r.err).find("test-api-key"), std::string::npos);  // never printed

    // All six, then unsubscribed per type URL (one already absent is fine).
    r = provider({"subscribe", "--url", hook, "--api-base", api}, "test-api-key");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(api_calls(fake).size(), 8u);
    r = provider({"unsubscribe", "--url", hook, "--api-base", api}, "test-api-key");
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    // Unsubscribing a URL with nothing subscribed is the provider's error, shown as is.
    r = provider(
        {"unsubscribe", "--url", "https://hooks.example.com/webhooks/solarproof/customer_created",
         "--api-base", api},
        "test-api-key");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("No matching webhook found for this user"), std::string::npos) << r.err;
}

TEST(remote_cli, provider_errors_are_clear_and_the_key_comes_only_from_the_environment) {
    test::http_recorder fake;
    const auto api = fake.url("/provider/apidata.php");
    auto r = provider({"subscribe", "--url", "http://plain.example.com/w", "--api-base", api,
                       "--types", "customer_created"},
                      "test-api-key");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("refused (400 hookUrl must be a public HTTPS URL)"), std::string::npos)
        << r.err;
    r = provider({"subscribe", "--url", "https://h/w", "--api-base", api}, "wrong-key");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("Invalid API key"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("wrong-key"), std::string::npos);
    r = test::run_to_end({"/usr/bin/env", "-u", "SOLARPROOF_API_KEY", k_bin, "provider",
                          "subscribe", "--url", "https://h/w", "--api-base", api});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("SOLARPROOF_API_KEY"), std::string::npos);
    EXPECT_EQ(provider({"subscribe", "--url", "https://h/w", "--api-base", api, "--api-key", "x"},
                       "test-api-key")
                  .code,
              2);  // no such flag
    EXPECT_EQ(provider({"subscribe", "--url", "https://h/w", "--api-base", api, "--types",
                        "contract_signedx"},
                       "test-api-key")
                  .code,
              2);
    r = provider({"subscribe", "--url", "https://h/w", "--api-base",
                  "http://127.0.0.1:1/apidata.php", "--types", "customer_created"},
                 "secret-key-xyz");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("failed:"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("secret-key-xyz"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace solarhook
