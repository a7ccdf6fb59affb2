// Who may post, decided on the request header before any body byte is read:
// the client address (through trusted proxies), the allowlist (403), the rate
// limits (429 with Retry-After) and the URL token (401). /healthz and /readyz
// pass untouched. A Standard Webhooks signature, which covers the body, is
// checked once the body is in (verify_signature). Shared by all connections.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "solarhook/config/config.hpp"
#include "solarhook/core/error.hpp"
#include "solarhook/http/request_guard.hpp"
#include "solarhook/security/cidr.hpp"
#include "solarhook/security/rate_limiter.hpp"
#include "solarhook/security/signature.hpp"
#include "solarhook/security/token_auth.hpp"

namespace solarhook::http {

struct gate_verdict {
    security::ip_bytes client{};
    std::optional<problem> refusal;       // unauthorized, forbidden or rate_limited
    std::chrono::seconds retry_after{0};  // with rate_limited
    bool signature_pending = false;       // admitted on a signature the body must bear out
};

class access_gate {
  public:
    using steady = std::chrono::steady_clock::time_point;
    access_gate(const config& cfg);

    // `exempt`: a health endpoint, which needs no token and is never limited.
    gate_verdict check(const request_header& h, const security::ip_bytes& peer, bool exempt,
                       steady now);
    // The verified webhook-id, or the refusal (counted as a failed authentication).
    std::variant<std::string, problem> verify_signature(const request_header& h,
                                                        std::string_view body,
                                                        const security::ip_bytes& client,
                                                        std::chrono::system_clock::time_point wall,
                                                        steady now);
    bool open() const noexcept { return tokens_.empty() && signatures_.empty(); }
    // `target` as the access log may show it: every token= parameter (any case)
    // and any configured token wherever it appears replaced by ***.
    void loggable_target(std::string_view target, std::string& out) const;

  private:
    problem unauthorized(const security::ip_bytes& client, steady now, std::string why);

    security::cidr_list trusted_;
    security::cidr_list allow_;
    security::token_set tokens_;
    std::vector<std::string> plain_tokens_;  // only to mask them in logged targets
    security::signature_verifier signatures_;
    security::rate_limiter limiter_;
};

}  // namespace solarhook::http
