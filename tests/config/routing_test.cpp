#include "solarhook/config/routing.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "solarhook/config/config.hpp"
#include "support/temp_dir.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;

// The issue's example, as written.
const char* const k_example = R"({
"sinks": {
  "crm":     {"kind": "http", "url": "https://crm.example.com/api/contacts",
              "headers": {"Authorization": "Bearer ${env:SOLARHOOK_TEST_CRM_TOKEN}"},
              "body": {"email": "{customer_email}", "name": "{customer_name}",
                       "id": "{customer_id}", "source": "Solar Proof"}},
  "slack":   {"kind": "http", "url": "${env:SOLARHOOK_TEST_SLACK_URL}",
              "body": {"text": "🎉 {customer_name} signed!"}},
  "script":  {"kind": "exec", "command": ["/usr/local/bin/on-event", "{type}"]},
  "archive": {"kind": "file", "path": "/var/lib/solarhook/events.jsonl"},
  "log":     {"kind": "log"}
},
"routes": [
  {"name": "crm-sync", "match": {"types": ["customer_created"]}, "sinks": ["crm"]},
  {"name": "signed", "match": {"types": ["customer_status_change"], "where": {"new_status": 2}},
   "sinks": ["slack", "crm"]},
  {"name": "everything", "match": {"types": ["*"]}, "sinks": ["archive"]}
]})";

std::string error_of(const json& j) {
    try {
        apply_config_json(config{}, j);
    } catch (const config_error& e) {
        return e.what();
    }
    return "no error";
}

class routing_config_test : public ::testing::Test {
  protected:
    void SetUp() override {
        ::setenv("SOLARHOOK_TEST_CRM_TOKEN", "crm-secret-123", 1);
        ::setenv("SOLARHOOK_TEST_SLACK_URL", "https://hooks.slack.test/T000/B000/slack-secret", 1);
    }
    void TearDown() override {
        ::unsetenv("SOLARHOOK_TEST_CRM_TOKEN");
        ::unsetenv("SOLARHOOK_TEST_SLACK_URL");
    }
};

TEST_F(routing_config_test, the_issues_example_loads_with_every_default) {
    const auto c = apply_config_json(config{}, json::parse(k_example));
    const auto& crm = c.routing.sinks.at("crm");
    EXPECT_EQ(crm.kind, sink_kind::http);
    EXPECT_EQ(crm.headers.at(0).second, "Bearer crm-secret-123");
    EXPECT_EQ(crm.timeout, std::chrono::milliseconds(10'000));
    EXPECT_EQ(crm.max_in_flight, 8u);
    EXPECT_EQ(crm.order, delivery_order::per_customer);
    EXPECT_EQ(crm.method, "POST");
    EXPECT_TRUE(crm.tls_verify);
    EXPECT_EQ(crm.retry.max_attempts, c.retry.max_attempts);
    EXPECT_EQ(c.routing.sinks.at("slack").url, "https://hooks.slack.test/T000/B000/slack-secret");
    const auto& script = c.routing.sinks.at("script");
    EXPECT_EQ(script.timeout, std::chrono::milliseconds(30'000));
    EXPECT_EQ(script.max_in_flight, 4u);
    const auto& archive = c.routing.sinks.at("archive");
    EXPECT_EQ(archive.rotate_bytes, 0u);
    EXPECT_EQ(archive.keep, 5u);
    EXPECT_EQ(archive.fsync, fsync_policy::batch);
    ASSERT_EQ(c.routing.routes.size(), 3u);
    EXPECT_EQ(c.routing.routes[1].where.at(0).field, "new_status");
}

TEST_F(routing_config_test, printing_shows_references_never_their_values) {
    const auto c = apply_config_json(config{}, json::parse(k_example));
    const auto text = to_json(c).dump();
    EXPECT_EQ(text.find("crm-secret-123"), std::string::npos);
    EXPECT_EQ(text.find("slack-secret"), std::string::npos);
    EXPECT_NE(text.find("${env:SOLARHOOK_TEST_CRM_TOKEN}"), std::string::npos);
    // What was printed loads again to the same configuration.
    EXPECT_EQ(to_json(apply_config_json(config{}, to_json(c))), to_json(c));
    EXPECT_EQ(mask_secrets("POST https://hooks.slack.test/T000/B000/slack-secret failed",
                           c.routing.sinks.at("slack").secrets),
              "POST *** failed");
}

TEST_F(routing_config_test, a_resolved_value_that_would_break_the_request_is_refused) {
    // A secret with a line break inside would end its header (or the request line)
    // and add headers of its own: refused once resolved, the value never shown.
    ::setenv("SOLARHOOK_TEST_CRM_TOKEN", "abc\r\nX-Injected: yes", 1);
    auto e = error_of(json::parse(k_example));
    EXPECT_NE(e.find("'sinks.crm.headers.Authorization': the value holds a line break"),
              std::string::npos)
        << e;
    EXPECT_EQ(e.find("X-Injected"), std::string::npos) << e;
    ::setenv("SOLARHOOK_TEST_CRM_TOKEN", "crm-secret-123", 1);
    ::setenv("SOLARHOOK_TEST_SLACK_URL", "https://hooks.slack.test/x HTTP/1.1\r\nX-Evil: 1", 1);
    e = error_of(json::parse(k_example));
    EXPECT_NE(e.find("'sinks.slack.url': holds a space, line break"), std::string::npos) << e;
    EXPECT_EQ(e.find("X-Evil"), std::string::npos) << e;

    const auto header = [](const std::string& name, const std::string& value) {
        return error_of(json{
            {"sinks",
             {{"x", {{"kind", "http"}, {"url", "http://h/"}, {"headers", {{name, value}}}}}}}});
    };
    EXPECT_EQ(header("X-Tab", "a\tb"), "no error");
    EXPECT_NE(header("X-Bell", "a\ab").find("'sinks.x.headers.X-Bell': the value holds"),
              std::string::npos);
    EXPECT_NE(header("X Space", "v").find("not a valid header name"), std::string::npos);
    EXPECT_NE(header("X:Colon", "v").find("not a valid header name"), std::string::npos);
    EXPECT_NE(header("", "v").find("not a valid header name"), std::string::npos);
    EXPECT_NE(header("Content-Length", "5").find("is set by the sink"), std::string::npos);
    EXPECT_NE(header("transfer-encoding", "chunked").find("is set by the sink"), std::string::npos);
}

TEST_F(routing_config_test, a_missing_reference_is_an_error_naming_it) {
    ::unsetenv("SOLARHOOK_TEST_CRM_TOKEN");
    const auto e = error_of(json::parse(k_example));
    EXPECT_NE(e.find("sinks.crm.headers.Authorization"), std::string::npos) << e;
    EXPECT_NE(e.find("SOLARHOOK_TEST_CRM_TOKEN is not set"), std::string::npos) << e;
    EXPECT_NE(
        error_of(
            json::parse(R"({"sinks":{"x":{"kind":"exec","command":["${file:/nonexistent/x}"]}}})"))
            .find("cannot read /nonexistent/x"),
        std::string::npos);
    // A device or a huge file is no secret: refused, never read to the end.
    EXPECT_NE(
        error_of(json::parse(R"({"sinks":{"x":{"kind":"exec","command":["${file:/dev/zero}"]}}})"))
            .find("cannot read /dev/zero: not a regular file"),
        std::string::npos);
    test::temp_dir dir;
    std::ofstream(dir.file("big")) << std::string(65 * 1024, 'x');
    EXPECT_NE(error_of(json::parse(R"({"sinks":{"x":{"kind":"exec","command":["${file:)" +
                                   dir.file("big") + R"(}"]}}})"))
                  .find("is over 65536 bytes"),
              std::string::npos);
    EXPECT_NE(error_of(json::parse(R"({"sinks":{"x":{"kind":"http","url":"${vault:x}"}}})"))
                  .find("neither"),
              std::string::npos);
}

TEST_F(routing_config_test, a_file_reference_reads_the_file_without_its_newline) {
    test::temp_dir dir;
    const auto path = dir.path() / "token";
    std::ofstream(path) << "from-a-file\n";
    const auto c = apply_config_json(
        config{},
        json{
            {"sinks",
             {{"x",
               {{"kind", "exec"}, {"command", {"/bin/echo", "${file:" + path.string() + "}"}}}}}}});
    EXPECT_EQ(c.routing.sinks.at("x").command.at(1), "from-a-file");
    EXPECT_EQ(to_json(c)["sinks"]["x"]["command"][1], "${file:" + path.string() + "}");
}

TEST_F(routing_config_test, bad_sinks_and_routes_name_their_key) {
    const auto has = [](const json& j, const std::string& what) {
        const auto e = error_of(j);
        EXPECT_NE(e.find(what), std::string::npos) << "wanted '" << what << "' in: " << e;
    };
    has(json::parse(R"({"sinks":{"a":{"kind":"smtp"}}})"),
        "'sinks.a.kind': expected one of http|exec|file|log");
    has(json::parse(R"({"sinks":{"a":{"url":"http://x"}}})"), "'sinks.a.kind': missing");
    has(json::parse(R"({"sinks":{"a":{"kind":"http"}}})"), "'sinks.a.url': missing");
    has(json::parse(R"({"sinks":{"a":{"kind":"http","url":"ftp://x"}}})"), "http:// or https://");
    has(json::parse(R"({"sinks":{"a":{"kind":"http","url":"http://x","method":"GET"}}})"),
        "POST|PUT|PATCH");
    has(json::parse(R"({"sinks":{"a":{"kind":"file","path":"/x","command":["y"]}}})"),
        "'sinks.a.command': not a key of a file sink");
    has(json::parse(R"({"sinks":{"a":{"kind":"exec","command":[]}}})"), "'sinks.a.command'");
    has(json::parse(R"({"sinks":{"a":{"kind":"exec","command":["x"],"retry":{"max_tries":3}}}})"),
        "'sinks.a.retry.max_tries': unknown key");
    has(json::parse(R"({"sinks":{"A B":{"kind":"log"}}})"), "'sinks.A B'");
    has(json::parse(R"({"sinks":{"a":{"kind":"http","url":"http://x","headers":{"X":"a\r\nb"}}}})"),
        "'sinks.a.headers.X'");
    has(json::parse(R"({"routes":[{"match":{"types":["*"]},"sinks":["nowhere"]}]})"),
        "no sink is named \"nowhere\"");
    has(json::parse(R"({"routes":[{"match":{"types":["*"]},"sinks":[]}]})"),
        "'routes[0].sinks': missing");
    has(json::parse(R"({"routes":[{"match":{},"sinks":["log"]}]})"), "'routes[0].match.types'");
    has(json::parse(R"({"routes":[{"match":{"types":["Bad Type"]},"sinks":["log"]}]})"),
        "routes[0].match.types[0]");
    has(json::parse(
            R"({"routes":[{"name":"a","match":{"types":["*"]},"sinks":["log"]},{"name":"a","match":{"types":["*"]},"sinks":["log"]}]})"),
        "names two routes");
    has(json::parse(
            R"({"routes":[{"match":{"types":["*"],"where":{"new_status":{"gt":1}}},"sinks":["log"]}]})"),
        "unknown condition");
    has(json::parse(
            R"({"routes":[{"match":{"types":["*"],"where":{"customer_id":[]}},"sinks":["log"]}]})"),
        "empty list");
    has(json::parse(
            R"({"routes":[{"name":"s","match":{"types":["*"],"where":{"new_status":2}},"sinks":["log"]}]})"),
        "customer_created events have no field new_status");
}

TEST(routing_config, no_routes_key_means_every_type_to_log) {
    const config c;
    ASSERT_EQ(c.routing.routes.size(), 1u);
    EXPECT_EQ(c.routing.routes[0].types, std::vector<std::string>{"*"});
    EXPECT_EQ(c.routing.routes[0].sinks, std::vector<std::string>{"log"});
    EXPECT_EQ(c.routing.sinks.at("log").kind, sink_kind::log);
}

TEST(routing_config, the_examples_load) {
    ::setenv("CRM_TOKEN", "t", 1);
    ::setenv("SLACK_WEBHOOK_URL", "https://hooks.slack.test/x", 1);
    for (const auto& entry : std::filesystem::directory_iterator(std::string(SOLARHOOK_SOURCE_DIR) +
                                                                 "/config/examples")) {
        SCOPED_TRACE(entry.path().string());
        EXPECT_NO_THROW(load_config_file(entry.path().string()));
    }
    ::unsetenv("CRM_TOKEN");
    ::unsetenv("SLACK_WEBHOOK_URL");
}

}  // namespace
}  // namespace solarhook
