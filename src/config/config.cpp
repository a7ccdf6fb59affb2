#include "solarhook/config/config.hpp"

#include <fmt/format.h>
#include <spdlog/common.h>

#include <charconv>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

#include "config/read.hpp"

namespace solarhook::config_read {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& key, const std::string& what) {
    throw config_error(fmt::format("config key '{}': {}", key, what));
}

std::uint64_t get_uint(const json& v, const std::string& key, std::uint64_t min,
                       std::uint64_t max) {
    if (!v.is_number_integer()) {
        fail(key, "expected an integer");
    }
    if (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() < 0) {
        fail(key, fmt::format("must be between {} and {}", min, max));
    }
    const auto n = v.get<std::uint64_t>();
    if (n < min || n > max) {
        fail(key, fmt::format("must be between {} and {}", min, max));
    }
    return n;
}

std::string get_string(const json& v, const std::string& key) {
    if (!v.is_string()) {
        fail(key, "expected a string");
    }
    return v.get<std::string>();
}

}  // namespace solarhook::config_read

namespace solarhook {
namespace {

using json = nlohmann::json;
using namespace config_read;

using setter = std::function<void(config&, const json&, const std::string&)>;

// Walks an object against a table of known keys; any other key is an error.
void apply_object(config& c, const json& obj, const std::string& prefix,
                  const std::map<std::string, setter>& table) {
    if (!obj.is_object()) {
        fail(prefix.empty() ? "(root)" : prefix, "expected an object");
    }
    for (const auto& [k, v] : obj.items()) {
        const std::string key = prefix.empty() ? k : prefix + "." + k;
        auto it = table.find(k);
        if (it == table.end() && prefix.empty() && is_security_section(k)) {
            apply_security(c.security, k, v);
            continue;
        }
        if (it == table.end() && prefix.empty() && is_metrics_section(k)) {
            apply_metrics(c.metrics, k, v);
            continue;
        }
        if (it == table.end()) {
            fail(key, "unknown key");
        }
        it->second(c, v, key);
    }
}

std::chrono::milliseconds get_ms(const json& v, const std::string& key, std::uint64_t min,
                                 std::uint64_t max) {
    return std::chrono::milliseconds{get_uint(v, key, min, max)};
}

const std::map<std::string, setter>& limits_table() {
    static const std::map<std::string, setter> t{
        {"max_body_bytes",
         [](config& c, const json& v, const std::string& k) {
             c.limits.max_body_bytes = get_uint(v, k, 1, 64ull << 20);
         }},
        {"max_header_bytes",
         [](config& c, const json& v, const std::string& k) {
             c.limits.max_header_bytes = get_uint(v, k, 512, 1 << 20);
         }},
        {"max_depth", [](config& c, const json& v,
                         const std::string& k) { c.limits.max_depth = get_uint(v, k, 2, 512); }},
        {"max_events_per_request",
         [](config& c, const json& v, const std::string& k) {
             c.limits.max_events_per_request = get_uint(v, k, 1, 10'000);
         }},
        {"request_timeout_ms",
         [](config& c, const json& v, const std::string& k) {
             c.limits.request_timeout = get_ms(v, k, 10, 3'600'000);
         }},
        {"keep_alive_timeout_ms",
         [](config& c, const json& v, const std::string& k) {
             c.limits.keep_alive_timeout = get_ms(v, k, 10, 3'600'000);
         }},
        {"first_byte_timeout_ms",
         [](config& c, const json& v, const std::string& k) {
             c.limits.first_byte_timeout = get_ms(v, k, 10, 3'600'000);
         }},
        {"handshake_timeout_ms",
         [](config& c, const json& v, const std::string& k) {
             c.limits.handshake_timeout = get_ms(v, k, 10, 600'000);
         }},
        {"max_requests_per_connection",
         [](config& c, const json& v, const std::string& k) {
             c.limits.max_requests_per_connection = get_uint(v, k, 1, 1'000'000);
         }},
        {"max_connections",
         [](config& c, const json& v, const std::string& k) {
             c.limits.max_connections = get_uint(v, k, 1, 1'000'000);
         }},
    };
    return t;
}

const std::map<std::string, setter>& dedup_table() {
    static const std::map<std::string, setter> t{
        {"ttl_seconds",
         [](config& c, const json& v, const std::string& k) {
             c.dedup.ttl = std::chrono::seconds{get_uint(v, k, 1, 365ull * 24 * 3600)};
         }},
        {"max_entries",
         [](config& c, const json& v, const std::string& k) {
             c.dedup.max_entries = get_uint(v, k, 1, 100'000'000);
         }},
        {"delivery_id_header",
         [](config& c, const json& v, const std::string& k) {
             c.dedup.delivery_id_header = get_string(v, k);
         }},
        {"key_templates",
         [](config& c, const json& v, const std::string& k) {
             if (!v.is_object()) {
                 fail(k, "expected an object of event type -> template");
             }
             c.dedup.key_templates.clear();
             for (const auto& [type, tmpl] : v.items()) {
                 c.dedup.key_templates[type] = get_string(tmpl, k + "." + type);
             }
         }},
    };
    return t;
}

const std::map<std::string, setter>& store_table() {
    static const std::map<std::string, setter> t{
        {"kind",
         [](config& c, const json& v, const std::string& k) {
             c.store.kind = get_choice<store_kind>(
                 v, k, {{"sqlite", store_kind::sqlite}, {"memory", store_kind::memory}});
         }},
        {"data_dir",
         [](config& c, const json& v, const std::string& k) {
             c.store.data_dir = get_string(v, k);
             if (c.store.data_dir.empty()) {
                 fail(k, "must not be empty");
             }
         }},
        {"durability",
         [](config& c, const json& v, const std::string& k) {
             c.store.durability = get_choice<durability_level>(
                 v, k, {{"full", durability_level::full}, {"normal", durability_level::normal}});
         }},
        {"busy_timeout_ms",
         [](config& c, const json& v, const std::string& k) {
             c.store.busy_timeout = get_ms(v, k, 1, 600'000);
         }},
        {"group_commit_max_batch",
         [](config& c, const json& v, const std::string& k) {
             c.store.group_commit_max_batch = get_uint(v, k, 1, 100'000);
         }},
        {"group_commit_max_wait_us",
         [](config& c, const json& v, const std::string& k) {
             c.store.group_commit_max_wait =
                 std::chrono::microseconds{get_uint(v, k, 0, 1'000'000)};
         }},
        {"dispatch_poll_ms",
         [](config& c, const json& v, const std::string& k) {
             c.store.dispatch_poll = get_ms(v, k, 1, 60'000);
         }},
        {"max_disk_bytes",
         [](config& c, const json& v, const std::string& k) {
             c.store.max_disk_bytes =
                 static_cast<std::int64_t>(get_uint(v, k, 1ull << 20, 1ull << 50));
         }},
    };
    return t;
}

const std::map<std::string, setter>& retention_table() {
    static const std::map<std::string, setter> t{
        {"done_seconds",
         [](config& c, const json& v, const std::string& k) {
             c.retention.done = std::chrono::seconds{get_uint(v, k, 60, 10ull * 365 * 86400)};
         }},
        {"quarantine_max_rows",
         [](config& c, const json& v, const std::string& k) {
             c.retention.quarantine_max_rows =
                 static_cast<std::int64_t>(get_uint(v, k, 1, 100'000'000));
         }},
        {"quarantine_max_bytes",
         [](config& c, const json& v, const std::string& k) {
             c.retention.quarantine_max_bytes =
                 static_cast<std::int64_t>(get_uint(v, k, 1024, 1ull << 40));
         }},
    };
    return t;
}

const std::map<std::string, setter>& root_table() {
    static const std::map<std::string, setter> t{
        {"listen", [](config& c, const json& v,
                      const std::string& k) { apply_listen(c, get_string(v, k), k); }},
        {"webhook_path",
         [](config& c, const json& v, const std::string& k) { c.webhook_path = get_string(v, k); }},
        {"io_threads",
         [](config& c, const json& v, const std::string& k) {
             c.io_threads = static_cast<unsigned>(get_uint(v, k, 1, 64));
         }},
        {"workers",
         [](config& c, const json& v, const std::string& k) {
             c.workers = static_cast<unsigned>(get_uint(v, k, 1, 256));
         }},
        {"queue_capacity",
         [](config& c, const json& v, const std::string& k) {
             c.queue_capacity = get_uint(v, k, 1, 10'000'000);
         }},
        {"content_type",
         [](config& c, const json& v, const std::string& k) {
             c.content_type =
                 get_choice<content_type_policy>(v, k,
                                                 {{"lenient", content_type_policy::lenient},
                                                  {"strict", content_type_policy::strict}});
         }},
        {"unknown_events",
         [](config& c, const json& v, const std::string& k) {
             c.unknown_events = get_choice<unknown_event_policy>(
                 v, k,
                 {{"keep", unknown_event_policy::keep}, {"reject", unknown_event_policy::reject}});
         }},
        {"retry_after_seconds",
         [](config& c, const json& v, const std::string& k) {
             c.retry_after = std::chrono::seconds{get_uint(v, k, 1, 3600)};
         }},
        {"drain_timeout_ms",
         [](config& c, const json& v, const std::string& k) {
             c.drain_timeout = get_ms(v, k, 0, 3'600'000);
         }},
        {"log_format",
         [](config& c, const json& v, const std::string& k) {
             c.log_fmt = get_choice<log_format>(
                 v, k, {{"json", log_format::json}, {"text", log_format::text}});
         }},
        {"log_level",
         [](config& c, const json& v, const std::string& k) {
             c.log_level = get_string(v, k);
             if (spdlog::level::from_str(c.log_level) == spdlog::level::off &&
                 c.log_level != "off") {
                 fail(k, "expected one of trace|debug|info|warn|error|critical|off");
             }
         }},
        {"log_queue_bytes",
         [](config& c, const json& v, const std::string& k) {
             c.log_queue_bytes = get_uint(v, k, 64 * 1024, 1ull << 30);
         }},
        {"limits", [](config& c, const json& v,
                      const std::string& k) { apply_object(c, v, k, limits_table()); }},
        {"dedup", [](config& c, const json& v,
                     const std::string& k) { apply_object(c, v, k, dedup_table()); }},
        {"store", [](config& c, const json& v,
                     const std::string& k) { apply_object(c, v, k, store_table()); }},
        {"retry", [](config& c, const json& v,
                     const std::string& k) { c.retry = parse_retry(v, k, c.retry); }},
        // nlohmann's objects iterate in key order, so `retry` is applied before
        // `sinks`, whose retry keys default to it.
        {"sinks", [](config& c, const json& v,
                     const std::string&) { c.routing.sinks = parse_sinks(v, c.retry); }},
        {"routes",
         [](config& c, const json& v, const std::string&) { c.routing.routes = parse_routes(v); }},
        {"retention", [](config& c, const json& v,
                         const std::string& k) { apply_object(c, v, k, retention_table()); }},
    };
    return t;
}

}  // namespace

void apply_listen(config& c, const std::string& host_port, const std::string& key) {
    const auto colon = host_port.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == host_port.size()) {
        fail(key, fmt::format("expected HOST:PORT, got \"{}\"", host_port));
    }
    std::string host = host_port.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);  // [::1]:8080
    }
    const std::string port_s = host_port.substr(colon + 1);
    unsigned port = 0;
    auto [ptr, ec] = std::from_chars(port_s.data(), port_s.data() + port_s.size(), port);
    if (ec != std::errc{} || ptr != port_s.data() + port_s.size() || port > 65535) {
        fail(key, fmt::format("port must be 0..65535, got \"{}\"", port_s));
    }
    c.listen_host = host;
    c.listen_port = static_cast<std::uint16_t>(port);
}

config apply_config_json(config base, const json& j) {
    apply_object(base, j, "", root_table());
    validate(base);
    return base;
}

config load_config_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw config_error(fmt::format("cannot open config file '{}'", path));
    }
    std::stringstream ss;
    ss << in.rdbuf();
    json j;
    try {
        j = json::parse(ss.str());
    } catch (const json::exception& e) {
        throw config_error(fmt::format("config file '{}' is not valid JSON: {}", path, e.what()));
    }
    return apply_config_json(config{}, j);
}

std::chrono::microseconds group_commit_wait(const store_config& s) {
    if (s.group_commit_max_wait) {
        return *s.group_commit_max_wait;
    }
    return std::chrono::microseconds{s.durability == durability_level::full ? 0 : 200};
}

void validate(const config& c) {
    if (c.webhook_path.empty() || c.webhook_path.front() != '/' || c.webhook_path.back() == '/') {
        fail("webhook_path", "must start with '/' and not end with '/'");
    }
    if (c.limits.max_events_per_request > c.queue_capacity) {
        fail("limits.max_events_per_request", "must not exceed queue_capacity");
    }
    validate_routing(c.routing);
    validate_security(c.security);
    for (const auto& [type, tmpl] : c.dedup.key_templates) {
        if (tmpl.find('{') == std::string::npos) {
            fail("dedup.key_templates." + type, "must reference at least one {field}");
        }
    }
}

json to_json(const config& c) {
    const bool v6 = c.listen_host.find(':') != std::string::npos;
    json out{
        {"listen", v6 ? fmt::format("[{}]:{}", c.listen_host, c.listen_port)
                      : fmt::format("{}:{}", c.listen_host, c.listen_port)},
        {"webhook_path", c.webhook_path},
        {"io_threads", c.io_threads},
        {"workers", c.workers},
        {"queue_capacity", c.queue_capacity},
        {"content_type", c.content_type == content_type_policy::strict ? "strict" : "lenient"},
        {"unknown_events", c.unknown_events == unknown_event_policy::reject ? "reject" : "keep"},
        {"retry_after_seconds", c.retry_after.count()},
        {"drain_timeout_ms", c.drain_timeout.count()},
        {"log_format", c.log_fmt == log_format::text ? "text" : "json"},
        {"log_level", c.log_level},
        {"log_queue_bytes", c.log_queue_bytes},
        {"limits",
         {{"max_body_bytes", c.limits.max_body_bytes},
          {"max_header_bytes", c.limits.max_header_bytes},
          {"max_depth", c.limits.max_depth},
          {"max_events_per_request", c.limits.max_events_per_request},
          {"request_timeout_ms", c.limits.request_timeout.count()},
          {"keep_alive_timeout_ms", c.limits.keep_alive_timeout.count()},
          {"first_byte_timeout_ms", c.limits.first_byte_timeout.count()},
          {"handshake_timeout_ms", c.limits.handshake_timeout.count()},
          {"max_requests_per_connection", c.limits.max_requests_per_connection},
          {"max_connections", c.limits.max_connections}}},
        {"dedup",
         {{"ttl_seconds", c.dedup.ttl.count()},
          {"max_entries", c.dedup.max_entries},
          {"delivery_id_header", c.dedup.delivery_id_header},
          {"key_templates", c.dedup.key_templates}}},
        {"store",
         {{"kind", c.store.kind == store_kind::memory ? "memory" : "sqlite"},
          {"data_dir", c.store.data_dir},
          {"durability", c.store.durability == durability_level::normal ? "normal" : "full"},
          {"busy_timeout_ms", c.store.busy_timeout.count()},
          {"group_commit_max_batch", c.store.group_commit_max_batch},
          {"group_commit_max_wait_us", group_commit_wait(c.store).count()},
          {"dispatch_poll_ms", c.store.dispatch_poll.count()},
          {"max_disk_bytes", c.store.max_disk_bytes}}},
        {"retry", to_json(c.retry)},
        {"retention",
         {{"done_seconds", c.retention.done.count()},
          {"quarantine_max_rows", c.retention.quarantine_max_rows},
          {"quarantine_max_bytes", c.retention.quarantine_max_bytes}}},
        {"sinks", to_json(c.routing)["sinks"]},
        {"routes", to_json(c.routing)["routes"]},
    };
    out.update(security_to_json(c.security));
    out.update(metrics_to_json(c.metrics));
    return out;
}

}  // namespace solarhook
