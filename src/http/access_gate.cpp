#include "solarhook/http/access_gate.hpp"

#include <fmt/format.h>
#include <boost/beast/http/field.hpp>

#include <vector>

#include "solarhook/log/structured.hpp"
#include "solarhook/security/client_address.hpp"

namespace solarhook::http {
namespace bhttp = boost::beast::http;

namespace {

template <class Name>
std::vector<std::string_view> values_of(const request_header& h, Name name) {
    std::vector<std::string_view> out;
    const auto [first, end] = h.equal_range(name);
    for (auto it = first; it != end; ++it) {
        out.emplace_back(it->value());
    }
    return out;
}

std::string_view header(const request_header& h, std::string_view name) {
    const auto it = h.find(name);
    return it == h.end() ? std::string_view{} : std::string_view(it->value());
}

}  // namespace

access_gate::access_gate(const config& cfg)
    : trusted_(cfg.security.trusted_proxies),
      allow_(cfg.security.allow),
      tokens_(cfg.security.tokens),
      plain_tokens_(cfg.security.tokens),
      signatures_(cfg.security.whsec_secrets, cfg.security.signature_tolerance),
      limiter_(security::rate_limit_settings{cfg.security.per_second, cfg.security.burst,
                                             cfg.security.auth_failures_per_minute,
                                             cfg.security.max_clients}) {}

void access_gate::loggable_target(std::string_view target, std::string& out) const {
    if (auto masked = security::masked_target(target, plain_tokens_)) {
        out = std::move(*masked);
    } else {
        out.assign(target.data(), target.size());  // the common case: nothing to mask
    }
}

problem access_gate::unauthorized(const security::ip_bytes& client, steady now, std::string why) {
    if (limiter_.auth_failed(client, now)) {
        log::warn("client locked out after repeated authentication failures",
                  {{"client", security::ip_to_string(client)}});
    }
    return problem{errc::unauthorized, std::move(why)};
}

gate_verdict access_gate::check(const request_header& h, const security::ip_bytes& peer,
                                bool exempt, steady now) {
    gate_verdict v;
    if (trusted_.empty()) {
        v.client = peer;
    } else {
        const auto fwd = values_of(h, bhttp::field::forwarded);
        const auto xff = values_of(h, "X-Forwarded-For");
        v.client = security::resolve_client(peer, trusted_, fwd, xff);
    }
    if (exempt) {
        return v;
    }
    if (!allow_.empty() && !allow_.contains(v.client)) {
        v.refusal = problem{errc::forbidden, "this address may not post here"};
        return v;
    }
    if (const auto a = limiter_.admit(v.client, now); !a.allowed) {
        v.retry_after = a.retry_after;
        v.refusal =
            problem{errc::rate_limited,
                    a.locked_out ? "too many failed authentications from this address; retry later"
                                 : "too many requests from this address; retry later"};
        return v;
    }
    if (open()) {
        return v;
    }
    if (!signatures_.empty() && h.find("webhook-signature") != h.end()) {
        v.signature_pending = true;
        return v;
    }
    if (!tokens_.empty()) {
        bool presented = false;
        bool valid = false;
        if (auto q = security::query_param(h.target(), "token")) {
            presented = true;
            valid = tokens_.accepts(*q);
        }
        if (auto b = security::bearer_token(h[bhttp::field::authorization]); b && !valid) {
            presented = true;
            valid = tokens_.accepts(*b);
        }
        if (valid) {
            return v;
        }
        v.refusal = unauthorized(v.client, now,
                                 presented ? "the token is not valid"
                                           : "a token is required: ?token=… on the URL, or "
                                             "Authorization: Bearer …");
        return v;
    }
    v.refusal = unauthorized(v.client, now, "a Standard Webhooks signature is required");
    return v;
}

std::variant<std::string, problem> access_gate::verify_signature(
    const request_header& h, std::string_view body, const security::ip_bytes& client,
    std::chrono::system_clock::time_point wall, steady now) {
    const auto id = header(h, "webhook-id");
    if (auto why = signatures_.verify(id, header(h, "webhook-timestamp"),
                                      header(h, "webhook-signature"), body, wall)) {
        log::warn("signature refused",
                  {{"client", security::ip_to_string(client)}, {"reason", *why}});
        return unauthorized(client, now, "the webhook signature is not valid");
    }
    if (id.size() > 256) {
        return problem{errc::unauthorized, "webhook-id is over 256 characters"};
    }
    return std::string(id);
}

}  // namespace solarhook::http
