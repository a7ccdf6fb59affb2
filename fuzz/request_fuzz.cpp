// libFuzzer: raw request bytes (up to four pipelined requests) through what a
// connection runs on them, minus the socket: the same Beast parser with the
// same limits, the framing guard, the access gate (tokens, a Standard Webhooks
// secret, trusted proxies, the rate limiter), the endpoint and ingest into a
// memory inbox, to a serialized answer. A crash, leak or UB is a finding.
#include <spdlog/sinks/null_sink.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "solarhook/core/clock.hpp"
#include "solarhook/dedup/memory_dedup_store.hpp"
#include "solarhook/http/access_gate.hpp"
#include "solarhook/http/buffered_parse.hpp"
#include "solarhook/http/request_guard.hpp"
#include "solarhook/http/webhook_endpoint.hpp"
#include "solarhook/http/wire.hpp"
#include "solarhook/inbox/memory_inbox.hpp"
#include "solarhook/ingest/ingest_service.hpp"
#include "solarhook/log/structured.hpp"
#include "solarhook/pipeline/event_queue.hpp"

namespace {

using namespace solarhook;
namespace bhttp = boost::beast::http;

struct fixture {
    fixture() {
        // Debug lines rendered and redacted, then thrown away.
        log::init(log_format::json, log::level::debug,
                  std::make_shared<spdlog::sinks::null_sink_mt>(), k_default_log_queue_bytes,
                  security_config{}.redact);
        cfg = apply_config_json(
            config{},
            nlohmann::json{
                {"auth",
                 {{"tokens", {"fuzz-token-0123456789abcdef"}},
                  {"standard_webhooks",
                   {{"secrets", {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}}}}},
                {"trusted_proxies", {"127.0.0.1/32", "10.0.0.0/8"}},
                // Never refuses, but every forwarded address passes through the table.
                {"rate_limit",
                 {{"per_second", 1000000}, {"auth_failures_per_minute", 0}, {"max_clients", 64}}},
                {"store", {{"kind", "memory"}}}});
        dedup = std::make_unique<memory_dedup_store>(clk, std::chrono::seconds(3600), 4096);
        inbox = std::make_unique<memory_inbox>(*dedup, queue, clk);
        ingest = std::make_unique<ingest_service>(cfg, *inbox);
        endpoint = std::make_unique<http::webhook_endpoint>(cfg, *ingest);
        gate = std::make_unique<http::access_gate>(cfg);
        peer = *security::parse_ip("127.0.0.1");
    }
    manual_clock clk;
    config cfg;
    event_queue queue{1024};
    std::unique_ptr<memory_dedup_store> dedup;
    std::unique_ptr<memory_inbox> inbox;
    std::unique_ptr<ingest_service> ingest;
    std::unique_ptr<http::webhook_endpoint> endpoint;
    std::unique_ptr<http::access_gate> gate;
    security::ip_bytes peer{};
    std::string wire;
};

// One request from `buffer`; false when the connection would end here.
bool one_request(fixture& f, boost::beast::flat_buffer& buffer) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(f.cfg.limits.max_header_bytes));
    parser.body_limit(f.cfg.limits.max_body_bytes);
    boost::beast::error_code ec;
    const auto answer_with = [&](const problem& p) {
        http::request_header h;
        h.version(11);
        if (parser.is_header_done()) {
            h = parser.get().base();
        }
        http::serialize_answer(f.endpoint->error_answer(p, h), "fuzz", f.wire);
    };
    if (!http::parse_buffered(parser, buffer, false, ec) || ec) {
        if (ec) {
            answer_with(problem{errc::bad_framing, ec.message()});
        }
        return false;
    }
    const auto& h = parser.get().base();
    std::string target;
    f.gate->loggable_target(h.target(), target);
    if (auto p = http::check_framing(h)) {
        answer_with(*p);
        return false;
    }
    const std::string_view path = h.target().substr(0, h.target().find('?'));
    const auto verdict = f.gate->check(h, f.peer, path == "/healthz" || path == "/readyz",
                                       std::chrono::steady_clock::now());
    if (verdict.refusal) {
        answer_with(*verdict.refusal);
        return parser.is_done();
    }
    if (auto p = f.endpoint->precheck(h)) {
        answer_with(*p);
        return parser.is_done();
    }
    if (!http::parse_buffered(parser, buffer, true, ec) || ec) {
        if (ec) {
            answer_with(problem{errc::bad_framing, ec.message()});
        }
        return false;
    }
    std::string signed_id;
    std::optional<std::string_view> id;
    if (verdict.signature_pending) {
        auto checked = f.gate->verify_signature(h, parser.get().body(), verdict.client, f.clk.now(),
                                                std::chrono::steady_clock::now());
        if (auto* p = std::get_if<problem>(&checked)) {
            answer_with(*p);
            return true;
        }
        signed_id = std::get<std::string>(checked);
        id = signed_id;
    }
    bool answered = false;
    f.endpoint->handle(parser.get(), "fuzz", id, [&](http::answer a) {
        answered = true;
        http::serialize_answer(a, "fuzz", f.wire);
    });
    if (!answered) {
        __builtin_trap();  // the memory inbox answers before handle returns
    }
    while (f.queue.size() > 0) {
        f.queue.pop();
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static fixture f;
    boost::beast::flat_buffer buffer;
    const auto n = boost::asio::buffer_copy(buffer.prepare(size), boost::asio::buffer(data, size));
    buffer.commit(n);
    for (int i = 0; i < 4 && buffer.size() > 0 && one_request(f, buffer); ++i) {
    }
    return 0;
}
