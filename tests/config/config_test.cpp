#include "solarhook/config/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace solarhook {
namespace {

using json = nlohmann::json;

std::string error_of(const json& j) {
    try {
        apply_config_json(config{}, j);
    } catch (const config_error& e) {
        return e.what();
    }
    return "no error";
}

TEST(config, defaults_match_the_documented_ones) {
    const config c;
    EXPECT_EQ(c.listen_host, "127.0.0.1");
    EXPECT_EQ(c.listen_port, 8080);
    EXPECT_EQ(c.webhook_path, "/webhooks/solarproof");
    EXPECT_EQ(c.log_fmt, log_format::json);
    EXPECT_EQ(c.limits.max_body_bytes, 65536u);
    EXPECT_EQ(c.limits.max_header_bytes, 8192u);
    EXPECT_EQ(c.limits.max_depth, 32u);
    EXPECT_EQ(c.dedup.ttl, std::chrono::hours{24});
    EXPECT_EQ(c.queue_capacity, 10000u);
    EXPECT_EQ(c.workers, 2u);
    EXPECT_EQ(c.content_type, content_type_policy::lenient);
    EXPECT_EQ(c.unknown_events, unknown_event_policy::keep);
}

TEST(config, unknown_key_is_an_error_naming_it) {
    EXPECT_NE(error_of({{"listne", "127.0.0.1:1"}}).find("'listne': unknown key"),
              std::string::npos);
    EXPECT_NE(error_of({{"limits", {{"max_bodybytes", 1}}}}).find("'limits.max_bodybytes'"),
              std::string::npos);
}

TEST(config, wrong_type_is_an_error_naming_the_key) {
    EXPECT_NE(error_of({{"workers", "2"}}).find("'workers': expected an integer"),
              std::string::npos);
    EXPECT_NE(error_of({{"dedup", {{"ttl_seconds", 1.5}}}}).find("'dedup.ttl_seconds'"),
              std::string::npos);
    EXPECT_NE(error_of({{"content_type", "loose"}}).find("lenient|strict"), std::string::npos);
    EXPECT_NE(error_of({{"workers", 0}}).find("between 1 and 256"), std::string::npos);
    EXPECT_NE(error_of({{"workers", -3}}).find("'workers'"), std::string::npos);
    EXPECT_NE(error_of({{"limits", 5}}).find("'limits': expected an object"), std::string::npos);
    EXPECT_NE(error_of({{"log_level", "loud"}}).find("'log_level'"), std::string::npos);
    EXPECT_NE(error_of({{"log_queue_bytes", 1000}}).find("'log_queue_bytes': must be between"),
              std::string::npos);
    EXPECT_NE(error_of({{"dedup", {{"key_templates", {{"x", 3}}}}}}).find("key_templates.x"),
              std::string::npos);
}

TEST(config, listen_accepts_ipv4_ipv6_and_rejects_garbage) {
    config c;
    apply_listen(c, "0.0.0.0:9000");
    EXPECT_EQ(c.listen_host, "0.0.0.0");
    EXPECT_EQ(c.listen_port, 9000);
    apply_listen(c, "[::1]:9001");
    EXPECT_EQ(c.listen_host, "::1");
    EXPECT_EQ(c.listen_port, 9001);
    EXPECT_THROW(apply_listen(c, "nohostport"), config_error);
    EXPECT_THROW(apply_listen(c, "h:99999"), config_error);
    EXPECT_THROW(apply_listen(c, "h:80x"), config_error);
}

TEST(config, example_file_sets_every_key_and_round_trips) {
    const std::string path = std::string(SOLARHOOK_SOURCE_DIR) + "/config/solarhook.json";
    const config c = load_config_file(path);
    std::ifstream in(path);
    const json file = json::parse(in);
    // Every key the loader knows appears in the example, and vice versa.
    EXPECT_EQ(to_json(c), file);
}

TEST(config, the_group_commit_wait_defaults_by_durability_and_a_set_one_wins) {
    using std::chrono::microseconds;
    config c;
    EXPECT_EQ(group_commit_wait(c.store), microseconds{0});  // full
    c = apply_config_json(c, json::parse(R"({"store": {"durability": "normal"}})"));
    EXPECT_EQ(group_commit_wait(c.store), microseconds{200});
    c = apply_config_json(c, json::parse(R"({"store": {"group_commit_max_wait_us": 50}})"));
    EXPECT_EQ(group_commit_wait(c.store), microseconds{50});
    EXPECT_EQ(to_json(c)["store"]["group_commit_max_wait_us"], 50);
}

TEST(config, unreadable_or_invalid_file_is_a_clear_error) {
    EXPECT_THROW(load_config_file("/nonexistent/solarhook.json"), config_error);
    const auto path = std::filesystem::temp_directory_path() / "solarhook_bad_config.json";
    std::ofstream(path) << "{ not json";
    try {
        load_config_file(path.string());
        FAIL() << "expected config_error";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos);
    }
    std::filesystem::remove(path);
}

TEST(config, cross_field_checks) {
    EXPECT_NE(error_of({{"webhook_path", "webhooks"}}).find("webhook_path"), std::string::npos);
    EXPECT_NE(error_of({{"queue_capacity", 5}}).find("max_events_per_request"), std::string::npos);
    EXPECT_NE(error_of({{"dedup", {{"key_templates", {{"x", "static"}}}}}}).find("{field}"),
              std::string::npos);
}

}  // namespace
}  // namespace solarhook
