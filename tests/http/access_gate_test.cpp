#include "solarhook/http/access_gate.hpp"

#include <gtest/gtest.h>

#include "solarhook/security/signature.hpp"

namespace solarhook::http {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
const std::string k_token = "gate-token-0123456789abcdef";
const std::string k_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

request_header header(const std::string& target,
                      const std::vector<std::pair<std::string, std::string>>& fields = {}) {
    request_header h;
    h.method(boost::beast::http::verb::post);
    h.target(target);
    h.version(11);
    for (const auto& [k, v] : fields) {
        h.insert(k, v);
    }
    return h;
}

security::ip_bytes ip(const char* s) {
    return *security::parse_ip(s);
}

config with(const json& j) {
    return apply_config_json(config{}, j);
}

const auto t0 = std::chrono::steady_clock::time_point{};

TEST(access_gate, with_no_auth_everyone_gets_in) {
    access_gate g(config{});
    EXPECT_TRUE(g.open());
    const auto v = g.check(header("/webhooks/solarproof"), ip("203.0.113.1"), false, t0);
    EXPECT_FALSE(v.refusal);
    EXPECT_EQ(v.client, ip("203.0.113.1"));
}

TEST(access_gate, a_token_in_the_query_or_as_bearer_and_health_needs_none) {
    access_gate g(with({{"auth", {{"tokens", {k_token}}}}}));
    const auto peer = ip("203.0.113.1");
    EXPECT_FALSE(g.check(header("/w?token=" + k_token), peer, false, t0).refusal);
    EXPECT_FALSE(
        g.check(header("/w", {{"Authorization", "Bearer " + k_token}}), peer, false, t0).refusal);
    // A wrong query token does not spoil a right bearer one.
    EXPECT_FALSE(
        g.check(header("/w?token=x", {{"Authorization", "Bearer " + k_token}}), peer, false, t0)
            .refusal);
    const auto missing = g.check(header("/w"), peer, false, t0);
    ASSERT_TRUE(missing.refusal);
    EXPECT_EQ(missing.refusal->code, errc::unauthorized);
    EXPECT_NE(missing.refusal->message.find("required"), std::string::npos);
    const auto wrong = g.check(header("/w?token=nope"), peer, false, t0);
    ASSERT_TRUE(wrong.refusal);
    EXPECT_EQ(wrong.refusal->message, "the token is not valid");
    EXPECT_FALSE(g.check(header("/healthz"), peer, true, t0).refusal);
}

TEST(access_gate, the_allowlist_and_the_proxy_chain) {
    access_gate g(with({{"allow", {"192.0.2.0/24"}}, {"trusted_proxies", {"127.0.0.1"}}}));
    const auto via = [&](const char* xff) {
        return g.check(header("/w", {{"X-Forwarded-For", xff}}), ip("127.0.0.1"), false, t0);
    };
    EXPECT_FALSE(via("192.0.2.10").refusal);
    EXPECT_EQ(via("192.0.2.10").client, ip("192.0.2.10"));
    EXPECT_EQ(via("198.51.100.1").refusal->code, errc::forbidden);
    EXPECT_EQ(
        g.check(header("/w", {{"X-Forwarded-For", "192.0.2.10"}}), ip("198.51.100.1"), false, t0)
            .refusal->code,
        errc::forbidden);  // an untrusted peer's header is ignored
    EXPECT_FALSE(g.check(header("/healthz"), ip("198.51.100.1"), true, t0).refusal);
}

TEST(access_gate, lockout_after_failures_refuses_even_the_right_token) {
    access_gate g(with(
        {{"auth", {{"tokens", {k_token}}}}, {"rate_limit", {{"auth_failures_per_minute", 2}}}}));
    const auto peer = ip("203.0.113.1");
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(g.check(header("/w?token=bad"), peer, false, t0).refusal->code,
                  errc::unauthorized);
    }
    const auto v = g.check(header("/w?token=" + k_token), peer, false, t0 + 1s);
    ASSERT_TRUE(v.refusal);
    EXPECT_EQ(v.refusal->code, errc::rate_limited);
    EXPECT_EQ(v.retry_after, 59s);
    EXPECT_FALSE(g.check(header("/w?token=" + k_token), ip("203.0.113.2"), false, t0).refusal);
}

TEST(access_gate, a_signature_is_checked_on_the_body_and_its_id_returned) {
    access_gate g(with({{"auth", {{"standard_webhooks", {{"secrets", {k_secret}}}}}}}));
    const auto peer = ip("203.0.113.1");
    const auto now = std::chrono::system_clock::now();
    const auto ts = std::to_string(
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
    const std::string body = R"({"pkcustomerid":1})";
    const auto sig =
        security::signature_verifier::sign(security::decode_whsec(k_secret), "msg_9", ts, body);
    const auto h = header(
        "/w", {{"webhook-id", "msg_9"}, {"webhook-timestamp", ts}, {"webhook-signature", sig}});
    const auto v = g.check(h, peer, false, t0);
    EXPECT_FALSE(v.refusal);
    EXPECT_TRUE(v.signature_pending);
    auto ok = g.verify_signature(h, body, peer, now, t0);
    ASSERT_TRUE(std::holds_alternative<std::string>(ok));
    EXPECT_EQ(std::get<std::string>(ok), "msg_9");
    auto forged = g.verify_signature(h, body + "x", peer, now, t0);
    ASSERT_TRUE(std::holds_alternative<problem>(forged));
    EXPECT_EQ(std::get<problem>(forged).code, errc::unauthorized);
    EXPECT_EQ(g.check(header("/w"), peer, false, t0).refusal->code, errc::unauthorized);
}

TEST(access_gate, logged_targets_never_hold_a_token) {
    access_gate g(with({{"auth", {{"tokens", {k_token}}}}}));
    std::string out;
    g.loggable_target("/w/customer_created?token=" + k_token, out);
    EXPECT_EQ(out, "/w/customer_created?token=***");
    g.loggable_target("/w/" + k_token, out);
    EXPECT_EQ(out, "/w/***");
    g.loggable_target("/w?x=1", out);
    EXPECT_EQ(out, "/w?x=1");
}

}  // namespace
}  // namespace solarhook::http
