#include "solarhook/http/webhook_endpoint.hpp"

#include <fmt/format.h>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/verb.hpp>

#include "solarhook/core/json_text.hpp"
#include "solarhook/http/status_map.hpp"
#include "solarhook/log/structured.hpp"
#include "solarhook/metrics/metrics.hpp"

namespace solarhook::http {
namespace bhttp = boost::beast::http;

namespace {
// message::keep_alive() exists only on whole messages; headers need it too.
bool wants_keep_alive(const request_header& h) {
    const bhttp::token_list conn{h[bhttp::field::connection]};
    bool close = false;
    bool keep = false;
    for (const auto& t : conn) {
        close = close || boost::beast::iequals(t, "close");
        keep = keep || boost::beast::iequals(t, "keep-alive");
    }
    return h.version() >= 11 ? !close : keep;
}
metrics::event_result metric_result(ingest_result r) noexcept {
    switch (r) {
        case ingest_result::accepted:
            return metrics::event_result::accepted;
        case ingest_result::duplicate:
            return metrics::event_result::duplicate;
        case ingest_result::unclassified:
            break;
    }
    return metrics::event_result::unclassified;
}
}  // namespace

std::variant<route, problem> resolve_route(std::string_view target, std::string_view webhook_path) {
    std::string_view path = target.substr(0, target.find('?'));
    if (path == "/healthz") {
        return route{route_kind::healthz, std::nullopt};
    }
    if (path == "/readyz") {
        return route{route_kind::readyz, std::nullopt};
    }
    if (path == "/metrics") {
        return route{route_kind::metrics, std::nullopt};
    }
    if (path.starts_with(webhook_path)) {
        std::string_view rest = path.substr(webhook_path.size());
        if (rest.empty() || rest == "/") {
            return route{route_kind::webhook, std::nullopt};
        }
        if (rest.front() == '/') {
            rest.remove_prefix(1);
            if (valid_type_segment(rest)) {
                return route{route_kind::webhook, std::string(rest)};
            }
            return problem{errc::not_found,
                           fmt::format("no such path; the event type after {}/ must match "
                                       "[a-z0-9_]{{1,64}}",
                                       webhook_path)};
        }
    }
    return problem{
        errc::not_found,
        fmt::format("no such path; events go to POST {0} or {0}/<event_type>", webhook_path)};
}

webhook_endpoint::webhook_endpoint(const config& cfg, ingest_service& ingest)
    : webhook_path_(cfg.webhook_path),
      content_type_(cfg.content_type),
      delivery_id_header_(cfg.dedup.delivery_id_header),
      retry_after_(cfg.retry_after),
      ingest_(ingest) {}

std::optional<problem> webhook_endpoint::precheck(const request_header& h) const {
    auto r = resolve_route(h.target(), webhook_path_);
    if (auto* p = std::get_if<problem>(&r)) {
        return std::move(*p);
    }
    const auto& rt = std::get<route>(r);
    if ((rt.kind == route_kind::webhook && !webhooks_) ||
        (rt.kind == route_kind::metrics && !metrics_text_)) {
        return problem{errc::not_found, webhooks_ ? "metrics are not served on this listener"
                                                  : "this listener serves /metrics only"};
    }
    if (rt.kind == route_kind::webhook) {
        if (h.method() != bhttp::verb::post) {
            return problem{errc::method_not_allowed, "webhooks must be sent with POST"};
        }
        if (content_type_ == content_type_policy::strict &&
            !is_json_media_type(h[bhttp::field::content_type])) {
            return problem{
                errc::unsupported_media_type,
                fmt::format("Content-Type must be application/json (got \"{}\")",
                            std::string_view(h[bhttp::field::content_type])),
                nlohmann::json::array(
                    {{{"content_type", std::string_view(h[bhttp::field::content_type])}}})};
        }
    } else if (h.method() != bhttp::verb::get) {
        return problem{errc::method_not_allowed, "health and metrics endpoints answer GET only"};
    }
    return std::nullopt;
}

std::string accepted_body(const std::vector<ingested_event>& events) {
    // Written by hand, keys in the order nlohmann would sort them, because building
    // the json value cost more than the rest of the answer (callgrind).
    // Sized once: growing it as it was written cost two or three allocations.
    std::size_t size = 64;
    for (const auto& e : events) {
        size += e.key.size() + e.type.size() + 48;
    }
    std::string body;
    body.reserve(size);
    json_object_writer answer(body);
    answer.key("events");
    body += '[';
    for (std::size_t i = 0; i < events.size(); ++i) {
        if (i > 0) {
            body += ',';
        }
        json_object_writer(body)
            .str("key", events[i].key)
            .str("result", result_name(events[i].result))
            .str("type", events[i].type)
            .close();
    }
    body += ']';
    answer.str("status", "accepted").close();
    return body;
}

answer webhook_endpoint::json_answer(bhttp::status s, std::string body,
                                     const request_header& h) const {
    answer a;
    a.status = s;
    a.version = h.version() >= 11 ? 11 : 10;
    a.keep_alive = wants_keep_alive(h);
    a.body = std::move(body);
    if (s == bhttp::status::service_unavailable) {
        a.retry_after = retry_after_;
    }
    return a;
}

answer webhook_endpoint::error_answer(const problem& p, const request_header& h) const {
    auto a = json_answer(to_status(p.code), error_body(p), h);
    if (p.code == errc::method_not_allowed) {
        auto r = resolve_route(h.target(), webhook_path_);
        const auto* rt = std::get_if<route>(&r);
        a.allow = rt != nullptr && rt->kind == route_kind::webhook ? "POST" : "GET";
    }
    if (p.code == errc::unauthorized) {
        a.www_authenticate = R"(Bearer realm="solarhook")";
    }
    return a;
}

void webhook_endpoint::handle(const request& req, std::string_view request_id,
                              std::optional<std::string_view> signed_id,
                              std::function<void(answer)> done) {
    if (auto p = precheck(req.base())) {
        return done(error_answer(*p, req.base()));
    }
    const auto rt = std::get<route>(resolve_route(req.target(), webhook_path_));
    switch (rt.kind) {
        case route_kind::healthz:
            return done(json_answer(bhttp::status::ok, R"({"status":"ok"})", req.base()));
        case route_kind::readyz:
            if (ingest_.ready()) {
                return done(json_answer(bhttp::status::ok, R"({"status":"ready"})", req.base()));
            }
            if (ingest_.draining()) {
                return done(json_answer(bhttp::status::service_unavailable,
                                        R"({"status":"draining"})", req.base()));
            } else {
                std::string body;
                json_object_writer(body)
                    .str("reason", ingest_.not_ready_reason())
                    .str("status", "not_ready")
                    .close();
                return done(
                    json_answer(bhttp::status::service_unavailable, std::move(body), req.base()));
            }
        case route_kind::metrics: {
            auto a = json_answer(bhttp::status::ok, metrics_text_(), req.base());
            a.content_type = "text/plain; version=0.0.4; charset=utf-8";
            return done(std::move(a));
        }
        case route_kind::webhook:
            break;
    }

    const std::string_view declared = req[bhttp::field::content_type];
    if (!is_json_media_type(declared)) {
        log::warn("content type is not JSON; parsing the body as JSON anyway",
                  {{"request_id", request_id}, {"content_type", declared}});
    }
    std::optional<std::string_view> delivery_id = signed_id;
    if (!delivery_id && !delivery_id_header_.empty()) {
        if (auto it = req.find(delivery_id_header_); it != req.end()) {
            delivery_id = it->value();
        }
    }
    ingest_request in{req.body(), rt.url_type, delivery_id, request_id};
    ingest_.ingest(in, [this, &req, done = std::move(done)](ingest_outcome outcome) {
        if (auto* p = std::get_if<problem>(&outcome)) {
            return done(error_answer(*p, req.base()));
        }
        const auto& events = std::get<std::vector<ingested_event>>(outcome);
        for (const auto& e : events) {
            metrics::get().event(e.type, metric_result(e.result));
        }
        done(json_answer(bhttp::status::ok, accepted_body(events), req.base()));
    });
}

}  // namespace solarhook::http
