// The security keys: auth (URL tokens, Standard Webhooks secrets), the proxies
// whose forwarding headers are believed, the allowlist, rate limits, the TLS
// listener and log redaction. Each key is one row of security_keys(), which
// parses it, prints it (secrets masked, references as written) and documents
// it (src/config/key_table.hpp): docs/configuration.md's table is
// security_keys_markdown(), checked by a test.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace solarhook {

struct security_config {
    // auth
    std::vector<std::string> tokens;          // resolved: never printed
    std::vector<std::string> tokens_written;  // as in the file
    std::vector<std::string> whsec_secrets;   // resolved
    std::vector<std::string> whsec_written;
    std::chrono::seconds signature_tolerance{300};
    // client address
    std::vector<std::string> trusted_proxies;  // CIDR blocks
    std::vector<std::string> allow;            // CIDR blocks; empty: everyone
    // rate_limit
    double per_second = 0;  // 0: off
    double burst = 0;       // 0: per_second
    unsigned auth_failures_per_minute = 30;
    std::size_t max_clients = 16'384;
    // tls
    std::string cert_file;
    std::string key_file;
    // log
    std::vector<std::string> redact{
        "customer_email", "customer_name", "first_name",          "surname",           "phone_*",
        "site_address",   "siteaddress",   "assigned_user_email", "assigned_user_name"};

    bool auth_configured() const noexcept { return !tokens.empty() || !whsec_secrets.empty(); }
    bool tls_enabled() const noexcept { return !cert_file.empty(); }
};

// True when `name` is the first segment of a security key ("auth", "tls", ...).
bool is_security_section(std::string_view name);
// Applies `v`, the value of top-level key `name`; throws config_error naming the key.
void apply_security(security_config& s, std::string_view name, const nlohmann::json& v);
// Cross-key checks: a TLS certificate needs its key, files must be readable.
void validate_security(const security_config& s);

// Top-level key -> value, in the file's shape, secrets masked.
nlohmann::json security_to_json(const security_config& s);

// The Markdown table of every key, its default and its meaning.
std::string security_keys_markdown();

}  // namespace solarhook
