#include "solarhook/route/router.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "solarhook/config/config.hpp"
#include "solarhook/decode/decoder.hpp"
#include "solarhook/decode/normalized.hpp"
#include "support/test_service.hpp"

namespace solarhook::route {
namespace {

using json = nlohmann::json;

routing_config routing_of(const char* text) {
    return apply_config_json(config{}, json::parse(text)).routing;
}

json normalized_of(const std::string& body, std::optional<std::string_view> url_type = {}) {
    auto r = decode_body(body, url_type, decode_limits{});
    return normalize(std::get<std::vector<decoded_event>>(r).at(0), event_meta{"k", 1, {}, "r"});
}

const char* const k_routes = R"({
"sinks": {"crm": {"kind": "http", "url": "http://127.0.0.1:1/c", "body": {"id": "{customer_id}"}},
          "slack": {"kind": "http", "url": "http://127.0.0.1:1/s", "body": {"text": "{customer_name}"}},
          "archive": {"kind": "file", "path": "/tmp/x"},
          "odd": {"kind": "file", "path": "/tmp/y"}},
"routes": [
  {"name": "crm-sync", "match": {"types": ["customer_created"]}, "sinks": ["crm"]},
  {"name": "signed", "match": {"types": ["customer_status_change"], "where": {"new_status": 2}},
   "sinks": ["slack", "crm"]},
  {"name": "everything", "match": {"types": ["*"]}, "sinks": ["archive"]},
  {"name": "unknown", "match": {"types": ["contract_signed"]}, "sinks": ["odd"]}
]})";

TEST(router, an_event_goes_to_every_matching_route_each_sink_once) {
    const router r(routing_of(k_routes));
    const auto signed_ = normalized_of(test::read_sample("customer_status_change.json"));
    EXPECT_EQ(r.sinks_for(event_type::customer_status_change, signed_),
              (std::vector<std::string>{"slack", "crm", "archive"}));
    const auto other = normalized_of(R"({"pkcustomerid":1,"new_status":1})");
    EXPECT_EQ(r.sinks_for(event_type::customer_status_change, other),
              (std::vector<std::string>{"archive"}));
    const auto created = normalized_of(test::read_sample("customer_created.json"));
    EXPECT_EQ(r.sinks_for(event_type::customer_created, created),
              (std::vector<std::string>{"crm", "archive"}));
}

TEST(router, star_is_every_known_type_and_unclassified_must_be_named) {
    const router r(routing_of(k_routes));
    const auto named = normalized_of(R"({"x":1})", std::string_view("contract_signed"));
    EXPECT_EQ(r.sinks_for(event_type::unclassified, named), std::vector<std::string>{"odd"});
    EXPECT_TRUE(r.takes(event_type::unclassified, "contract_signed"));
    EXPECT_FALSE(r.takes(event_type::unclassified, "something_else"));
    const auto shape = normalized_of(R"({"x":1})");
    EXPECT_TRUE(r.sinks_for(event_type::unclassified, shape).empty());
    const router all(
        routing_of(R"({"routes":[{"match":{"types":["unclassified"]},"sinks":["log"]}]})"));
    EXPECT_TRUE(all.takes(event_type::unclassified, "anything"));
    EXPECT_FALSE(all.takes(event_type::customer_created, "customer_created"));
}

TEST(router, where_conditions) {
    const auto ev = normalized_of(test::read_sample("customer_status_change.json"));
    const auto where = [](const char* text) {
        return routing_of(
                   (std::string(
                        R"({"routes":[{"match":{"types":["customer_status_change"],"where":)") +
                    text + R"(},"sinks":["log"]}]})")
                       .c_str())
            .routes.at(0)
            .where;
    };
    EXPECT_TRUE(where_matches(where(R"({"new_status":2})"), ev));
    EXPECT_FALSE(where_matches(where(R"({"new_status":"2"})"), ev)) << "a number is not a string";
    EXPECT_TRUE(where_matches(where(R"({"new_status":[1,2]})"), ev));
    EXPECT_FALSE(where_matches(where(R"({"new_status":[0,3]})"), ev));
    EXPECT_TRUE(where_matches(where(R"({"new_status":{"not":3}})"), ev));
    EXPECT_FALSE(where_matches(where(R"({"new_status":{"not":2}})"), ev));
    EXPECT_TRUE(where_matches(where(R"({"customer_email":{"exists":true}})"), ev));
    EXPECT_FALSE(where_matches(where(R"({"raw.nothing":{"exists":true}})"), ev));
    EXPECT_TRUE(where_matches(where(R"({"raw.nothing":{"exists":false}})"), ev));
    EXPECT_TRUE(where_matches(where(R"({"new_status":{"gte":2,"lte":2}})"), ev));
    EXPECT_FALSE(where_matches(where(R"({"new_status":{"gte":3}})"), ev));
    EXPECT_FALSE(where_matches(where(R"({"customer_name":{"gte":3}})"), ev)) << "not a number";
    EXPECT_TRUE(where_matches(where(R"({"new_status_name":"Signed","old_status":1})"), ev));
    EXPECT_TRUE(where_matches(where(R"({"raw.pkcustomerid":12345})"), ev));
}

TEST(router, a_placeholder_some_routed_type_lacks_fails_naming_route_sink_and_field) {
    try {
        router r(routing_of(R"({
          "sinks": {"slack": {"kind": "http", "url": "http://x/{project_id}", "body": {"t": "{customer_name}"}}},
          "routes": [{"name": "activity", "match": {"types": ["project_sms_sent"]}, "sinks": ["slack"]}]})"));
        FAIL() << "expected config_error";
    } catch (const config_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("route \"activity\", sink \"slack\": placeholder {customer_name} does "
                            "not exist for project_sms_sent"),
                  std::string::npos)
            << what;
    }
    // The same sink is fine where every type it receives has the field.
    EXPECT_NO_THROW(router(routing_of(R"({
          "sinks": {"slack": {"kind": "http", "url": "http://x/{project_id}", "body": {"t": "{raw.anything}"}}},
          "routes": [{"name": "activity", "match": {"types": ["project_sms_sent"]}, "sinks": ["slack"]}]})")));
    EXPECT_THROW(router(routing_of(R"({
          "sinks": {"run": {"kind": "exec", "command": ["/bin/x", "{customer_id}"]}},
          "routes": [{"match": {"types": ["unclassified"]}, "sinks": ["run"]}]})")),
                 config_error);
    EXPECT_THROW(router(routing_of(R"({
          "sinks": {"run": {"kind": "exec", "command": ["/bin/x", "{unclosed"]}},
          "routes": [{"match": {"types": ["*"]}, "sinks": ["run"]}]})")),
                 config_error);
}

TEST(router, the_examples_build) {
    ::setenv("CRM_TOKEN", "t", 1);
    ::setenv("SLACK_WEBHOOK_URL", "https://hooks.slack.test/x", 1);
    for (const auto& entry : std::filesystem::directory_iterator(std::string(SOLARHOOK_SOURCE_DIR) +
                                                                 "/config/examples")) {
        SCOPED_TRACE(entry.path().string());
        EXPECT_NO_THROW(router(load_config_file(entry.path().string()).routing));
    }
    ::unsetenv("CRM_TOKEN");
    ::unsetenv("SLACK_WEBHOOK_URL");
}

}  // namespace
}  // namespace solarhook::route
