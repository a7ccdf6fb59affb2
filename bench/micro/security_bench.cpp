// What issue 14 adds per request and per event: the access gate on a header
// (open, and with a token, a trusted proxy and a rate limit), and redacting an
// event line's typed fields (customer_created carries a name and an email).
#include <benchmark/benchmark.h>

#include "solarhook/config/config.hpp"
#include "solarhook/http/access_gate.hpp"
#include "solarhook/log/redact.hpp"

namespace {

using namespace solarhook;

http::request_header header(const std::string& target) {
    http::request_header h;
    h.method(boost::beast::http::verb::post);
    h.target(target);
    h.version(11);
    h.set("X-Forwarded-For", "198.51.100.7");
    return h;
}

void bm_gate_open(benchmark::State& state) {
    http::access_gate g(config{});
    const auto h = header("/webhooks/solarproof");
    const auto peer = *security::parse_ip("127.0.0.1");
    for (auto _ : state) {
        benchmark::DoNotOptimize(g.check(h, peer, false, std::chrono::steady_clock::now()));
    }
}
BENCHMARK(bm_gate_open);

void bm_gate_token_proxy_rate_limit(benchmark::State& state) {
    const std::string token = "bench-token-0123456789abcdefgh";
    http::access_gate g(apply_config_json(
        config{}, nlohmann::json{{"auth", {{"tokens", {token}}}},
                                 {"trusted_proxies", {"127.0.0.1/32"}},
                                 {"rate_limit", {{"per_second", 1e6}, {"burst", 1e6}}}}));
    const auto h = header("/webhooks/solarproof/customer_created?token=" + token);
    const auto peer = *security::parse_ip("127.0.0.1");
    std::string logged;
    for (auto _ : state) {
        benchmark::DoNotOptimize(g.check(h, peer, false, std::chrono::steady_clock::now()));
        g.loggable_target(h.target(), logged);
    }
}
BENCHMARK(bm_gate_token_proxy_rate_limit);

void bm_redact_event_line(benchmark::State& state) {
    const log::redactor r(security_config{}.redact);
    const std::string typed =
        R"({"customer_email":"john.doe@example.com","customer_name":"John Doe","customer_status":1,)"
        R"("customer_status_label":"New Contacts","customer_type":"RESIDENTIAL","fkuserid":67890,)"
        R"("pkcustomerid":12345})";
    for (auto _ : state) {
        benchmark::DoNotOptimize(r.apply_text(typed));
    }
}
BENCHMARK(bm_redact_event_line);

}  // namespace
