#include "solarhook/config/security.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "config/key_table.hpp"
#include "solarhook/security/cidr.hpp"
#include "solarhook/security/signature.hpp"
#include "solarhook/security/token_auth.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;
using namespace config_read;

double get_number(const json& v, const std::string& key, double min, double max) {
    if (!v.is_number()) {
        fail(key, "expected a number");
    }
    const double d = v.get<double>();
    if (!(d >= min && d <= max)) {
        fail(key, fmt::format("must be between {} and {}", min, max));
    }
    return d;
}

std::vector<std::string> cidr_texts(const json& v, const std::string& key) {
    auto texts = string_list(v, key);
    if (texts.size() > 1024) {
        fail(key, "at most 1024 blocks");
    }
    for (std::size_t i = 0; i < texts.size(); ++i) {
        try {
            security::parse_cidr(texts[i]);
        } catch (const std::invalid_argument& e) {
            fail(fmt::format("{}[{}]", key, i), e.what());
        }
    }
    return texts;
}

// A list of secrets, each maybe a ${env:}/${file:} reference; `check` vets each value.
void parse_secrets(const json& v, const std::string& key, std::vector<std::string>& resolved,
                   std::vector<std::string>& written,
                   const std::function<void(const std::string&, const std::string&)>& check) {
    written = string_list(v, key);
    if (written.size() > 16) {
        fail(key, "at most 16 (two are enough to rotate)");
    }
    resolved.clear();
    std::vector<std::string> ignored;
    for (std::size_t i = 0; i < written.size(); ++i) {
        const auto item = fmt::format("{}[{}]", key, i);
        resolved.push_back(resolve_refs(written[i], item, ignored));
        check(resolved.back(), item);
    }
}

// 10, not 10.0: the printed config reads as it would be written.
json number(double d) {
    if (d == static_cast<double>(static_cast<std::int64_t>(d))) {
        return static_cast<std::int64_t>(d);
    }
    return d;
}

// A secret written in the file is printed as ***; a reference as written.
json masked(const std::vector<std::string>& written) {
    json out = json::array();
    for (const auto& w : written) {
        out.push_back(w.find("${") != std::string::npos ? w : "***");
    }
    return out;
}

using row = key_row<security_config>;

const std::vector<row>& security_keys() {
    static const std::vector<row> keys{
        {"auth.tokens",
         "URL tokens, each at least 24 characters; two may be live while rotating. Sent as "
         "`?token=` on the hookUrl or as `Authorization: Bearer`. `${env:NAME}` and "
         "`${file:PATH}` allowed. Empty (and no `auth.standard_webhooks`): anyone who can reach "
         "the daemon can post events, and startup warns so.",
         [](security_config& s, const json& v, const std::string& k) {
             parse_secrets(v, k, s.tokens, s.tokens_written,
                           [](const std::string& t, const std::string& item) {
                               if (t.size() < security::k_min_token_chars) {
                                   fail(item, fmt::format("a token needs at least {} characters",
                                                          security::k_min_token_chars));
                               }
                           });
         },
         [](const security_config& s) { return masked(s.tokens_written); }},
        {"auth.standard_webhooks.secrets",
         "`whsec_` secrets (base64 of the key). A request carrying `webhook-signature` is "
         "verified against them; a verified `webhook-id` becomes the dedup key. With secrets and "
         "no tokens, every webhook must be signed.",
         [](security_config& s, const json& v, const std::string& k) {
             parse_secrets(v, k, s.whsec_secrets, s.whsec_written,
                           [](const std::string& secret, const std::string& item) {
                               try {
                                   security::decode_whsec(secret);
                               } catch (const std::invalid_argument& e) {
                                   fail(item, e.what());
                               }
                           });
         },
         [](const security_config& s) { return masked(s.whsec_written); }},
        {"auth.standard_webhooks.tolerance_seconds",
         "How far `webhook-timestamp` may be from now, either way.",
         [](security_config& s, const json& v, const std::string& k) {
             s.signature_tolerance = std::chrono::seconds{get_uint(v, k, 1, 86'400)};
         },
         [](const security_config& s) { return json(s.signature_tolerance.count()); }},
        {"trusted_proxies",
         "CIDR blocks of proxies whose `Forwarded` / `X-Forwarded-For` are believed; the client "
         "is the rightmost address not in them. Behind nginx or Caddy on the same host: "
         "`[\"127.0.0.1/32\", \"::1/128\"]`.",
         [](security_config& s, const json& v, const std::string& k) {
             s.trusted_proxies = cidr_texts(v, k);
         },
         [](const security_config& s) { return json(s.trusted_proxies); }},
        {"allow",
         "CIDR blocks of clients that may post; anyone else gets 403 before the body is read. "
         "Empty: everyone.",
         [](security_config& s, const json& v, const std::string& k) {
             s.allow = cidr_texts(v, k);
         },
         [](const security_config& s) { return json(s.allow); }},
        {"rate_limit.per_second",
         "Requests per second per client address (token bucket); past it, 429 with "
         "`Retry-After`. 0: off (behind a proxy without `trusted_proxies`, every request would "
         "count as the proxy's).",
         [](security_config& s, const json& v, const std::string& k) {
             s.per_second = get_number(v, k, 0, 1e6);
         },
         [](const security_config& s) { return number(s.per_second); }},
        {"rate_limit.burst", "The bucket's size. 0: `per_second`.",
         [](security_config& s, const json& v, const std::string& k) {
             s.burst = get_number(v, k, 0, 1e6);
         },
         [](const security_config& s) { return number(s.burst); }},
        {"rate_limit.auth_failures_per_minute",
         "Failed authentications an address may make per minute; past it, every request from "
         "that address gets 429 for a minute. 0: off.",
         [](security_config& s, const json& v, const std::string& k) {
             s.auth_failures_per_minute = static_cast<unsigned>(get_uint(v, k, 0, 1'000'000));
         },
         [](const security_config& s) { return json(s.auth_failures_per_minute); }},
        {"rate_limit.max_clients",
         "Addresses remembered; past it the least recently seen is forgotten. About 150 bytes "
         "each.",
         [](security_config& s, const json& v, const std::string& k) {
             s.max_clients = get_uint(v, k, 16, 10'000'000);
         },
         [](const security_config& s) { return json(s.max_clients); }},
        {"tls.cert_file",
         "PEM certificate chain: the listener speaks HTTPS (TLS 1.2 and 1.3). Empty: plain "
         "HTTP, for a proxy in front.",
         [](security_config& s, const json& v, const std::string& k) {
             s.cert_file = get_string(v, k);
         },
         [](const security_config& s) { return json(s.cert_file); }},
        {"tls.key_file", "PEM private key of `tls.cert_file`.",
         [](security_config& s, const json& v, const std::string& k) {
             s.key_file = get_string(v, k);
         },
         [](const security_config& s) { return json(s.key_file); }},
        {"log.redact",
         "Field names whose values every log line shows as `\"***\"`; `prefix_*` matches a "
         "prefix. The store and the http, exec and file sinks keep the real values. `[]`: off.",
         [](security_config& s, const json& v, const std::string& k) {
             s.redact = string_list(v, k);
             for (std::size_t i = 0; i < s.redact.size(); ++i) {
                 if (s.redact[i].empty() || s.redact[i] == "*") {
                     fail(fmt::format("{}[{}]", k, i), "a field name, or a prefix followed by *");
                 }
             }
         },
         [](const security_config& s) { return json(s.redact); }},
    };
    return keys;
}

}  // namespace

bool is_security_section(std::string_view name) {
    return is_section(security_keys(), name);
}

void apply_security(security_config& s, std::string_view name, const json& v) {
    apply_rows(security_keys(), s, std::string(name), v);
}

void validate_security(const security_config& s) {
    if (s.cert_file.empty() != s.key_file.empty()) {
        fail(s.cert_file.empty() ? "tls.cert_file" : "tls.key_file",
             "tls.cert_file and tls.key_file go together");
    }
    for (const auto& [key, path] :
         {std::pair{"tls.cert_file", &s.cert_file}, std::pair{"tls.key_file", &s.key_file}}) {
        std::error_code ec;
        if (!path->empty() &&
            (!std::filesystem::is_regular_file(*path, ec) || !std::ifstream(*path))) {
            fail(key, fmt::format("cannot read {}", *path));
        }
    }
}

json security_to_json(const security_config& s) {
    return rows_to_json(security_keys(), s);
}

std::string security_keys_markdown() {
    return rows_markdown(security_keys());
}

}  // namespace solarhook
