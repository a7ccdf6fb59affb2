// The daemon's whole configuration: defaults embedded here, overridden by a JSON
// file, then by command-line flags. Loading is strict: an unknown key or a value
// of the wrong type or range throws config_error naming the dotted key, so a
// typo fails at startup instead of silently running with a default.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "solarhook/config/metrics.hpp"
#include "solarhook/config/routing.hpp"
#include "solarhook/config/security.hpp"

namespace solarhook {

enum class content_type_policy { lenient, strict };
enum class unknown_event_policy { keep, reject };
enum class log_format { json, text };
enum class store_kind { sqlite, memory };
enum class durability_level { full, normal };

// Diagnostic lines waiting for stdout. 2 MiB is about 8,000 access lines; past it
// they are dropped and counted (they would be during a stall anyway), and it keeps
// the default configuration's worst-case RSS under 64 MiB (docs/performance.md).
inline constexpr std::size_t k_default_log_queue_bytes = 2u << 20;

struct store_config {
    store_kind kind = store_kind::sqlite;
    std::string data_dir = "./data";
    durability_level durability = durability_level::full;
    std::chrono::milliseconds busy_timeout{5000};
    std::size_t group_commit_max_batch = 512;  // 1: no grouping
    // Unset: 0 with durability full, where the writes that arrive during one
    // commit's fsync are the next batch, and a wait only idled the core (measured:
    // same batch sizes, 12% fewer requests/s); 200 us with normal, which has no
    // fsync to batch behind. group_commit_wait() resolves it.
    std::optional<std::chrono::microseconds> group_commit_max_wait;
    std::chrono::milliseconds dispatch_poll{250};
    std::int64_t max_disk_bytes = 2ll << 30;  // database + WAL; past it new events get 503
};

struct retention_config {
    std::chrono::seconds done{7 * 24 * 3600};
    std::int64_t quarantine_max_rows = 10'000;
    std::int64_t quarantine_max_bytes = 64ll << 20;
};

struct limits_config {
    std::size_t max_body_bytes = 64 * 1024;
    std::size_t max_header_bytes = 8 * 1024;
    std::size_t max_depth = 32;
    std::size_t max_events_per_request = 100;
    std::chrono::milliseconds request_timeout{10'000};
    std::chrono::milliseconds keep_alive_timeout{60'000};
    std::chrono::milliseconds first_byte_timeout{5'000};  // a new connection's first byte
    std::chrono::milliseconds handshake_timeout{5'000};   // a TLS handshake, whole
    std::size_t max_requests_per_connection = 1000;
    std::size_t max_connections = 1024;
};

struct dedup_config {
    std::chrono::seconds ttl{24 * 3600};
    std::size_t max_entries = 1'000'000;
    std::string delivery_id_header;                    // empty: not used
    std::map<std::string, std::string> key_templates;  // event type -> template
};

struct config {
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 8080;
    std::string webhook_path = "/webhooks/solarproof";
    unsigned io_threads = 1;
    unsigned workers = 2;
    std::size_t queue_capacity = 10'000;
    content_type_policy content_type = content_type_policy::lenient;
    unknown_event_policy unknown_events = unknown_event_policy::keep;
    std::chrono::seconds retry_after{5};
    std::chrono::milliseconds drain_timeout{10'000};
    log_format log_fmt = log_format::json;
    std::string log_level = "info";
    std::size_t log_queue_bytes = k_default_log_queue_bytes;
    limits_config limits;
    dedup_config dedup;
    store_config store;
    retry_config retry;
    retention_config retention;
    routing_config routing = default_routing();
    security_config security;
    metrics_config metrics;
};

class config_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Applies every key of `j` onto `base`; throws config_error on the first problem.
config apply_config_json(config base, const nlohmann::json& j);

// Reads and applies a config file over the embedded defaults.
config load_config_file(const std::string& path);

// "host:port" -> sets listen_host/listen_port; throws config_error.
void apply_listen(config& c, const std::string& host_port, const std::string& key = "listen");

// The group-commit wait in effect: the configured one, else the durability's default.
std::chrono::microseconds group_commit_wait(const store_config& s);

// Checks cross-field invariants (ranges were checked per key on load).
void validate(const config& c);

// The effective configuration as JSON, in the file's own shape.
nlohmann::json to_json(const config& c);

}  // namespace solarhook
