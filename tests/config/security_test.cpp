#include "solarhook/config/security.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>

#include "solarhook/config/config.hpp"
#include "support/temp_dir.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;
const std::string k_token = "0123456789abcdefghijklmnopq";

std::string error_of(const json& j) {
    try {
        apply_config_json(config{}, j);
    } catch (const config_error& e) {
        return e.what();
    }
    return "(accepted)";
}

TEST(security_config, every_key_parses_and_prints_back_with_secrets_masked) {
    ::setenv("SOLARHOOK_TEST_TOKEN", "from-the-environment-0123456789", 1);
    test::temp_dir dir;
    std::ofstream(dir.file("cert.pem")) << "x";
    std::ofstream(dir.file("key.pem")) << "x";
    const auto c = apply_config_json(
        config{},
        json{{"auth",
              {{"tokens", {k_token, "${env:SOLARHOOK_TEST_TOKEN}"}},
               {"standard_webhooks",
                {{"secrets", {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}},
                 {"tolerance_seconds", 60}}}}},
             {"trusted_proxies", {"127.0.0.1/32", "::1"}},
             {"allow", {"192.0.2.0/24"}},
             {"rate_limit",
              {{"per_second", 2.5},
               {"burst", 10},
               {"auth_failures_per_minute", 5},
               {"max_clients", 100}}},
             {"tls", {{"cert_file", dir.file("cert.pem")}, {"key_file", dir.file("key.pem")}}},
             {"log", {{"redact", {"email"}}}}});
    EXPECT_EQ(c.security.tokens.at(1), "from-the-environment-0123456789");
    EXPECT_EQ(c.security.signature_tolerance.count(), 60);
    EXPECT_EQ(c.security.per_second, 2.5);
    EXPECT_TRUE(c.security.tls_enabled());
    const auto printed = to_json(c);
    EXPECT_EQ(printed["auth"]["tokens"], json({"***", "${env:SOLARHOOK_TEST_TOKEN}"}));
    EXPECT_EQ(printed["auth"]["standard_webhooks"]["secrets"], json({"***"}));
    EXPECT_EQ(printed["rate_limit"]["burst"], 10);
    EXPECT_EQ(printed["log"]["redact"], json({"email"}));
    EXPECT_EQ(printed.dump().find(k_token), std::string::npos);
    EXPECT_EQ(printed.dump().find("from-the-environment"), std::string::npos);
    EXPECT_EQ(printed.dump().find("MfKQ9r8"), std::string::npos);
    // What is printed loads again to the same (tokens aside, which print masked).
    auto again = printed;
    again["auth"]["tokens"] = json({k_token});
    again["auth"]["standard_webhooks"]["secrets"] = json::array();
    EXPECT_EQ(to_json(apply_config_json(config{}, again))["rate_limit"], printed["rate_limit"]);
    ::unsetenv("SOLARHOOK_TEST_TOKEN");
}

TEST(security_config, each_bad_value_names_its_key) {
    EXPECT_NE(error_of({{"auth", {{"tokens", {"short"}}}}}).find("'auth.tokens[0]'"),
              std::string::npos);
    EXPECT_NE(error_of({{"auth", {{"tokens", {"${env:SOLARHOOK_NOT_SET_ANYWHERE}"}}}}})
                  .find("SOLARHOOK_NOT_SET_ANYWHERE"),
              std::string::npos);
    EXPECT_NE(error_of({{"auth", {{"token", {k_token}}}}}).find("'auth.token': unknown key"),
              std::string::npos);
    EXPECT_NE(error_of({{"auth", {{"standard_webhooks", {{"secrets", {"nope"}}}}}}})
                  .find("auth.standard_webhooks.secrets[0]"),
              std::string::npos);
    EXPECT_NE(error_of({{"trusted_proxies", {"10.0.0.1/8"}}}).find("trusted_proxies[0]"),
              std::string::npos);
    EXPECT_NE(error_of({{"allow", "10.0.0.0/8"}}).find("'allow'"), std::string::npos);
    EXPECT_NE(error_of({{"rate_limit", {{"per_second", -1}}}}).find("rate_limit.per_second"),
              std::string::npos);
    EXPECT_NE(error_of({{"tls", {{"cert_file", "/nonexistent.pem"}}}}).find("tls.key_file"),
              std::string::npos);
    EXPECT_NE(error_of({{"tls", {{"cert_file", "/nonexistent.pem"}, {"key_file", "/nonexistent"}}}})
                  .find("cannot read /nonexistent.pem"),
              std::string::npos);
    EXPECT_NE(error_of({{"log", {{"redact", {"*"}}}}}).find("log.redact[0]"), std::string::npos);
    EXPECT_NE(error_of({{"log", {{"level", "info"}}}}).find("'log.level': unknown key"),
              std::string::npos);
}

TEST(security_config, the_defaults_redact_personal_data_and_leave_auth_open) {
    const config c;
    EXPECT_FALSE(c.security.auth_configured());
    EXPECT_EQ(c.security.auth_failures_per_minute, 30u);
    EXPECT_EQ(c.security.redact.size(), 9u);
}

TEST(security_config, the_docs_table_is_the_generated_one) {
    std::ifstream in(std::string(SOLARHOOK_SOURCE_DIR) + "/docs/configuration.md");
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_NE(ss.str().find(security_keys_markdown()), std::string::npos)
        << "docs/configuration.md must hold this table:\n"
        << security_keys_markdown();
}

}  // namespace
}  // namespace solarhook
