// The `sinks` and `routes` config keys: where accepted events are delivered.
// Parsing is strict like the rest of the config (an unknown or misplaced key
// names itself); `${env:NAME}` and `${file:PATH}` references in url, headers
// and command are resolved at load, and printing shows them as written, so a
// secret never reaches check-config, the banner or a log line.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace solarhook {

struct retry_config {
    std::chrono::milliseconds initial{1000};
    std::chrono::milliseconds max_delay{3'600'000};
    int max_attempts = 10;
    std::chrono::seconds max_age{24 * 3600};
};

enum class sink_kind { http, exec, file, log };
// "http", "exec", "file", "log": the config's names, for parsing and printing alike.
std::string_view sink_kind_name(sink_kind k) noexcept;
enum class delivery_order { per_customer, none };
enum class fsync_policy { batch, none };

struct sink_config {
    std::string name;
    sink_kind kind = sink_kind::log;
    std::chrono::milliseconds timeout{0};
    unsigned max_in_flight = 1;
    delivery_order order = delivery_order::per_customer;
    retry_config retry;  // the top-level `retry`, with the sink's own keys over it
    // http
    std::string url;          // resolved: may hold a secret, never printed
    std::string url_written;  // as in the file, references unresolved
    std::string method = "POST";
    std::vector<std::pair<std::string, std::string>> headers;          // resolved
    std::vector<std::pair<std::string, std::string>> headers_written;  // as in the file
    std::optional<nlohmann::json> body;  // a JSON template; absent: the normalized event
    bool tls_verify = true;
    // exec
    std::vector<std::string> command;  // resolved
    std::vector<std::string> command_written;
    std::vector<int> permanent_exit_codes;
    // file
    std::string path;
    std::uint64_t rotate_bytes = 0;  // 0: no rotation
    unsigned keep = 5;
    fsync_policy fsync = fsync_policy::batch;
    // Every value a reference resolved to, for masking in anything logged.
    std::vector<std::string> secrets;
};

struct where_clause {
    enum class op { equal, any_of, not_equal, exists, gte, lte };
    std::string field;  // a normalized field name, or raw.<member>
    op test = op::equal;
    nlohmann::json value;
};

struct route_config {
    std::string name;
    std::vector<std::string> types;  // "*", "unclassified", a type's name
    std::vector<where_clause> where;
    std::vector<std::string> sinks;
};

struct routing_config {
    std::map<std::string, sink_config> sinks;  // always holds `log`
    std::vector<route_config> routes;          // default: every known type to `log`
};

routing_config default_routing();

// Each throws config_error naming the dotted key. `retry` is the top-level retry,
// the default of every sink's.
std::map<std::string, sink_config> parse_sinks(const nlohmann::json& j, const retry_config& retry);
std::vector<route_config> parse_routes(const nlohmann::json& j);
// Routes name existing sinks, known or well-formed types, and fields their types have.
void validate_routing(const routing_config& r);

nlohmann::json to_json(const routing_config& r);
nlohmann::json to_json(const retry_config& r);

// Replaces every secret's occurrences in `text` with ***.
std::string mask_secrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace solarhook
