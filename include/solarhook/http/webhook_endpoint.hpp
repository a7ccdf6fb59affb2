// Maps HTTP requests onto the ingest service and back: routing (webhook paths,
// /healthz, /readyz), method and Content-Type policy, and the JSON answers.
// precheck() runs on the header alone so a request that will be refused is
// answered before its body is read. No sockets here; the session does I/O.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "solarhook/config/config.hpp"
#include "solarhook/core/error.hpp"
#include "solarhook/http/request_guard.hpp"
#include "solarhook/http/wire.hpp"
#include "solarhook/ingest/ingest_service.hpp"

namespace solarhook::http {

using request = boost::beast::http::request<boost::beast::http::string_body>;

enum class route_kind { webhook, healthz, readyz, metrics };
struct route {
    route_kind kind;
    std::optional<std::string> url_type;
};

// Query strings are ignored; an unknown path or a malformed type segment is not_found.
std::variant<route, problem> resolve_route(std::string_view target, std::string_view webhook_path);

// The 200 answer: {"events":[{"key","result","type"},…],"status":"accepted"}.
std::string accepted_body(const std::vector<ingested_event>& events);

class webhook_endpoint {
  public:
    webhook_endpoint(const config& cfg, ingest_service& ingest);

    // Where GET /metrics gets its text; unset (or metrics.enabled false, or a
    // listener of its own elsewhere): 404.
    void serve_metrics(std::function<std::string()> text) { metrics_text_ = std::move(text); }
    // The metrics listener's endpoint: /metrics and the health endpoints only.
    void metrics_only() { webhooks_ = false; }

    std::optional<problem> precheck(const request_header& h) const;
    // `done` runs once, possibly on another thread (the store's writer), possibly
    // before handle returns. `req` must stay alive until then. `signed_id`: a
    // verified Standard Webhooks webhook-id, which becomes the dedup key.
    void handle(const request& req, std::string_view request_id,
                std::optional<std::string_view> signed_id, std::function<void(answer)> done);
    answer error_answer(const problem& p, const request_header& h) const;

  private:
    answer json_answer(boost::beast::http::status s, std::string body,
                       const request_header& h) const;

    std::string webhook_path_;
    content_type_policy content_type_;
    std::string delivery_id_header_;
    std::chrono::seconds retry_after_;
    ingest_service& ingest_;
    std::function<std::string()> metrics_text_;
    bool webhooks_ = true;
};

}  // namespace solarhook::http
