#include "solarhook/config/routing.hpp"

#include <fmt/format.h>

#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string_view>

#include "config/read.hpp"
#include "solarhook/decode/decoder.hpp"
#include "solarhook/decode/event_fields.hpp"

namespace solarhook {

using json = nlohmann::json;
using namespace config_read;

namespace config_read {

retry_config parse_retry(const json& v, const std::string& key, retry_config r) {
    if (!v.is_object()) {
        fail(key, "expected an object");
    }
    for (const auto& [k, item] : v.items()) {
        const auto dotted = key + "." + k;
        if (k == "initial_ms") {
            r.initial = std::chrono::milliseconds{get_uint(item, dotted, 1, 86'400'000)};
        } else if (k == "max_ms") {
            r.max_delay = std::chrono::milliseconds{get_uint(item, dotted, 1, 7 * 86'400'000ull)};
        } else if (k == "max_attempts") {
            r.max_attempts = static_cast<int>(get_uint(item, dotted, 1, 1000));
        } else if (k == "max_age_seconds") {
            r.max_age = std::chrono::seconds{get_uint(item, dotted, 1, 365ull * 86400)};
        } else {
            fail(dotted, "unknown key");
        }
    }
    return r;
}

constexpr std::size_t k_max_secret_file_bytes = 64 * 1024;

// Resolves ${env:NAME} and ${file:PATH} in `text`; each resolved value is a secret.
std::string resolve_refs(const std::string& text, const std::string& key,
                         std::vector<std::string>& secrets) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto start = text.find("${", i);
        if (start == std::string::npos) {
            out.append(text, i, std::string::npos);
            break;
        }
        out.append(text, i, start - i);
        const auto end = text.find('}', start);
        if (end == std::string::npos) {
            fail(key, "'${' without a closing '}'");
        }
        const std::string ref = text.substr(start + 2, end - start - 2);
        std::string value;
        if (ref.starts_with("env:") && ref.size() > 4) {
            const char* v = std::getenv(ref.substr(4).c_str());
            if (v == nullptr) {
                fail(key, fmt::format("environment variable {} is not set", ref.substr(4)));
            }
            value = v;
        } else if (ref.starts_with("file:") && ref.size() > 5) {
            // A secret is a small regular file: /dev/zero or a FIFO must not hang
            // or fill the loader.
            const std::string path = ref.substr(5);
            std::error_code ec;
            if (!std::filesystem::is_regular_file(path, ec)) {
                fail(key, fmt::format("cannot read {}: not a regular file", path));
            }
            std::ifstream in(path);
            if (!in) {
                fail(key, fmt::format("cannot read {}", path));
            }
            value.resize(k_max_secret_file_bytes + 1);
            in.read(value.data(), static_cast<std::streamsize>(value.size()));
            value.resize(static_cast<std::size_t>(in.gcount()));
            if (value.size() > k_max_secret_file_bytes) {
                fail(key, fmt::format("{} is over {} bytes: not a secret", path,
                                      k_max_secret_file_bytes));
            }
            while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) {
                value.pop_back();  // a secret file ends with a newline more often than not
            }
        } else {
            fail(key, fmt::format("'${{{}}}' is neither ${{env:NAME}} nor ${{file:PATH}}", ref));
        }
        if (!value.empty()) {
            secrets.push_back(value);
        }
        out += value;
        i = end + 1;
    }
    return out;
}

// RFC 9110 field names are tokens; values are visible characters, spaces and tabs.
bool is_header_name(std::string_view h) {
    return !h.empty() && std::all_of(h.begin(), h.end(), [](unsigned char c) {
        return std::isalnum(c) != 0 ||
               std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
                   std::string_view::npos;
    });
}

bool is_header_value(std::string_view v) {
    return std::all_of(v.begin(), v.end(),
                       [](unsigned char c) { return (c >= 0x20 && c != 0x7f) || c == '\t'; });
}

bool is_framing_header(std::string_view h) {
    return boost::beast::iequals(h, "Content-Length") ||
           boost::beast::iequals(h, "Transfer-Encoding");
}

std::vector<std::string> string_list(const json& v, const std::string& key) {
    if (!v.is_array()) {
        fail(key, "expected an array of strings");
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        out.push_back(get_string(v[i], fmt::format("{}[{}]", key, i)));
    }
    return out;
}

}  // namespace config_read

namespace {

sink_config log_sink_config() {
    sink_config s;
    s.name = "log";
    s.kind = sink_kind::log;
    s.order = delivery_order::none;
    return s;
}

sink_config parse_sink(const std::string& name, const json& v, const std::string& key,
                       const retry_config& retry) {
    if (!v.is_object()) {
        fail(key, "expected an object");
    }
    if (!v.contains("kind")) {
        fail(key + ".kind", "missing: one of http|exec|file|log");
    }
    sink_config s;
    s.name = name;
    s.kind = get_choice<sink_kind>(v["kind"], key + ".kind",
                                   {{"http", sink_kind::http},
                                    {"exec", sink_kind::exec},
                                    {"file", sink_kind::file},
                                    {"log", sink_kind::log}});
    const auto kind_name = sink_kind_name(s.kind);
    s.retry = retry;
    switch (s.kind) {
        case sink_kind::http:
            s.timeout = std::chrono::milliseconds{10'000};
            s.max_in_flight = 8;
            break;
        case sink_kind::exec:
            s.timeout = std::chrono::milliseconds{30'000};
            s.max_in_flight = 4;
            break;
        case sink_kind::file:
            // Not a key: lines are ordered by the lanes, and a batch shares one fsync.
            s.max_in_flight = 256;
            break;
        case sink_kind::log:
            break;
    }
    if (s.kind == sink_kind::log) {
        s.order = delivery_order::none;
    }
    using handler = std::function<void(const json&, const std::string&)>;
    const std::map<std::string, std::pair<std::set<sink_kind>, handler>> keys{
        {"kind",
         {{sink_kind::http, sink_kind::exec, sink_kind::file, sink_kind::log},
          [](const json&, const std::string&) {}}},
        {"timeout_ms",
         {{sink_kind::http, sink_kind::exec},
          [&](const json& x, const std::string& k) {
              s.timeout = std::chrono::milliseconds{get_uint(x, k, 10, 3'600'000)};
          }}},
        {"max_in_flight",
         {{sink_kind::http, sink_kind::exec},
          [&](const json& x, const std::string& k) {
              s.max_in_flight = static_cast<unsigned>(get_uint(x, k, 1, 1024));
          }}},
        {"order",
         {{sink_kind::http, sink_kind::exec, sink_kind::file},
          [&](const json& x, const std::string& k) {
              s.order = get_choice<delivery_order>(
                  x, k,
                  {{"per_customer", delivery_order::per_customer}, {"none", delivery_order::none}});
          }}},
        {"retry",
         {{sink_kind::http, sink_kind::exec, sink_kind::file},
          [&](const json& x, const std::string& k) { s.retry = parse_retry(x, k, retry); }}},
        {"url",
         {{sink_kind::http},
          [&](const json& x, const std::string& k) {
              s.url_written = get_string(x, k);
              s.url = resolve_refs(s.url_written, k, s.secrets);
              if (!s.url.starts_with("http://") && !s.url.starts_with("https://")) {
                  fail(k, "must start with http:// or https://");
              }
              // Checked after ${env:}/${file:} are resolved: a space or line break there
              // would end the request line and start headers of its own.
              if (std::any_of(s.url.begin(), s.url.end(),
                              [](unsigned char c) { return c <= 0x20 || c == 0x7f; })) {
                  fail(k, "holds a space, line break or control character (encode it: %20)");
              }
          }}},
        {"method",
         {{sink_kind::http},
          [&](const json& x, const std::string& k) {
              s.method = get_string(x, k);
              if (s.method != "POST" && s.method != "PUT" && s.method != "PATCH") {
                  fail(k, fmt::format("expected one of POST|PUT|PATCH, got \"{}\"", s.method));
              }
          }}},
        {"headers",
         {{sink_kind::http},
          [&](const json& x, const std::string& k) {
              if (!x.is_object()) {
                  fail(k, "expected an object of header name -> value");
              }
              for (const auto& [h, hv] : x.items()) {
                  const auto hk = k + "." + h;
                  const auto written = get_string(hv, hk);
                  if (!is_header_name(h)) {
                      fail(hk, "not a valid header name (letters, digits and !#$%&'*+-.^_`|~)");
                  }
                  if (is_framing_header(h)) {
                      fail(hk, "is set by the sink from the body it sends");
                  }
                  auto value = resolve_refs(written, hk, s.secrets);
                  // After resolving: a secret with a line break inside would end this
                  // header and add others. The message never shows the value.
                  if (!is_header_value(value)) {
                      fail(hk, "the value holds a line break or control character");
                  }
                  s.headers_written.emplace_back(h, written);
                  s.headers.emplace_back(h, std::move(value));
              }
          }}},
        {"body", {{sink_kind::http}, [&](const json& x, const std::string&) { s.body = x; }}},
        {"tls_verify",
         {{sink_kind::http},
          [&](const json& x, const std::string& k) {
              if (!x.is_boolean()) {
                  fail(k, "expected true or false");
              }
              s.tls_verify = x.get<bool>();
          }}},
        {"command",
         {{sink_kind::exec},
          [&](const json& x, const std::string& k) {
              s.command_written = string_list(x, k);
              if (s.command_written.empty() || s.command_written[0].empty()) {
                  fail(k, "expected [program, args...]");
              }
              for (std::size_t i = 0; i < s.command_written.size(); ++i) {
                  s.command.push_back(
                      resolve_refs(s.command_written[i], fmt::format("{}[{}]", k, i), s.secrets));
              }
          }}},
        {"permanent_exit_codes",
         {{sink_kind::exec},
          [&](const json& x, const std::string& k) {
              if (!x.is_array()) {
                  fail(k, "expected an array of exit codes");
              }
              for (std::size_t i = 0; i < x.size(); ++i) {
                  s.permanent_exit_codes.push_back(
                      static_cast<int>(get_uint(x[i], fmt::format("{}[{}]", k, i), 1, 255)));
              }
          }}},
        {"path",
         {{sink_kind::file},
          [&](const json& x, const std::string& k) {
              s.path = get_string(x, k);
              if (s.path.empty()) {
                  fail(k, "must not be empty");
              }
          }}},
        {"rotate_bytes",
         {{sink_kind::file},
          [&](const json& x, const std::string& k) {
              s.rotate_bytes = get_uint(x, k, 0, 1ull << 50);
          }}},
        {"keep",
         {{sink_kind::file},
          [&](const json& x, const std::string& k) {
              s.keep = static_cast<unsigned>(get_uint(x, k, 1, 1000));
          }}},
        {"fsync",
         {{sink_kind::file},
          [&](const json& x, const std::string& k) {
              s.fsync = get_choice<fsync_policy>(
                  x, k, {{"batch", fsync_policy::batch}, {"none", fsync_policy::none}});
          }}},
    };
    for (const auto& [k, item] : v.items()) {
        const auto dotted = key + "." + k;
        const auto it = keys.find(k);
        if (it == keys.end()) {
            fail(dotted, "unknown key");
        }
        if (it->second.first.count(s.kind) == 0) {
            fail(dotted, fmt::format("not a key of a {} sink", kind_name));
        }
        it->second.second(item, dotted);
    }
    const auto need = [&](bool missing, const char* what) {
        if (missing) {
            fail(key + "." + what, fmt::format("missing: a {} sink needs it", kind_name));
        }
    };
    need(s.kind == sink_kind::http && s.url_written.empty(), "url");
    need(s.kind == sink_kind::exec && s.command.empty(), "command");
    need(s.kind == sink_kind::file && s.path.empty(), "path");
    return s;
}

where_clause::op op_named(const std::string& name) {
    if (name == "not") {
        return where_clause::op::not_equal;
    }
    if (name == "exists") {
        return where_clause::op::exists;
    }
    if (name == "gte") {
        return where_clause::op::gte;
    }
    return where_clause::op::lte;
}

std::vector<where_clause> parse_where(const json& v, const std::string& key) {
    if (!v.is_object()) {
        fail(key, "expected an object of field -> condition");
    }
    std::vector<where_clause> out;
    for (const auto& [field, cond] : v.items()) {
        const auto k = key + "." + field;
        if (cond.is_array()) {
            if (cond.empty()) {
                fail(k, "an empty list matches nothing");
            }
            out.push_back({field, where_clause::op::any_of, cond});
        } else if (cond.is_object()) {
            if (cond.empty()) {
                fail(k, "expected one of not|exists|gte|lte");
            }
            for (const auto& [name, arg] : cond.items()) {
                const auto ok = k + "." + name;
                if (name == "exists" && !arg.is_boolean()) {
                    fail(ok, "expected true or false");
                } else if ((name == "gte" || name == "lte") && !arg.is_number()) {
                    fail(ok, "expected a number");
                } else if (name != "not" && name != "exists" && name != "gte" && name != "lte") {
                    fail(ok, "unknown condition: expected one of not|exists|gte|lte");
                }
                out.push_back({field, op_named(name), arg});
            }
        } else {
            out.push_back({field, where_clause::op::equal, cond});
        }
    }
    return out;
}

json where_to_json(const std::vector<where_clause>& where) {
    json out = json::object();
    for (const auto& w : where) {
        switch (w.test) {
            case where_clause::op::equal:
            case where_clause::op::any_of:
                out[w.field] = w.value;
                break;
            case where_clause::op::not_equal:
                out[w.field]["not"] = w.value;
                break;
            case where_clause::op::exists:
                out[w.field]["exists"] = w.value;
                break;
            case where_clause::op::gte:
                out[w.field]["gte"] = w.value;
                break;
            case where_clause::op::lte:
                out[w.field]["lte"] = w.value;
                break;
        }
    }
    return out;
}

// The event types a route's `types` can deliver: the known ones, and
// unclassified for "unclassified" or an unknown type's name.
std::vector<event_type> types_of(const route_config& r) {
    std::set<event_type> out;
    for (const auto& t : r.types) {
        if (t == "*") {
            for (auto k : {event_type::customer_created, event_type::customer_status_change,
                           event_type::project_email_sent, event_type::project_sms_sent,
                           event_type::published_proposal_link, event_type::recent_draft_project}) {
                out.insert(k);
            }
        } else if (auto k = parse_type_name(t)) {
            out.insert(*k);
        } else {
            out.insert(event_type::unclassified);
        }
    }
    return {out.begin(), out.end()};
}

}  // namespace

std::string_view sink_kind_name(sink_kind k) noexcept {
    switch (k) {
        case sink_kind::http:
            return "http";
        case sink_kind::exec:
            return "exec";
        case sink_kind::file:
            return "file";
        case sink_kind::log:
            return "log";
    }
    return "log";
}

routing_config default_routing() {
    routing_config r;
    r.sinks.emplace("log", log_sink_config());
    r.routes.push_back(route_config{"default", {"*"}, {}, {"log"}});
    return r;
}

std::map<std::string, sink_config> parse_sinks(const json& j, const retry_config& retry) {
    if (!j.is_object()) {
        fail("sinks", "expected an object of sink name -> sink");
    }
    std::map<std::string, sink_config> out;
    out.emplace("log", log_sink_config());
    for (const auto& [name, v] : j.items()) {
        const auto key = "sinks." + name;
        if (!valid_type_segment(name)) {
            fail(key, "a sink's name must match [a-z0-9_]{1,64}");
        }
        out[name] = parse_sink(name, v, key, retry);
    }
    return out;
}

std::vector<route_config> parse_routes(const json& j) {
    if (!j.is_array()) {
        fail("routes", "expected an array of routes");
    }
    std::vector<route_config> out;
    std::set<std::string> names;
    for (std::size_t i = 0; i < j.size(); ++i) {
        const auto key = fmt::format("routes[{}]", i);
        const auto& v = j[i];
        if (!v.is_object()) {
            fail(key, "expected an object");
        }
        route_config r;
        r.name = key;
        for (const auto& [k, item] : v.items()) {
            const auto dotted = key + "." + k;
            if (k == "name") {
                r.name = get_string(item, dotted);
            } else if (k == "sinks") {
                r.sinks = string_list(item, dotted);
            } else if (k == "match") {
                if (!item.is_object()) {
                    fail(dotted, "expected an object with types and, optionally, where");
                }
                for (const auto& [mk, mv] : item.items()) {
                    if (mk == "types") {
                        r.types = string_list(mv, dotted + ".types");
                    } else if (mk == "where") {
                        r.where = parse_where(mv, dotted + ".where");
                    } else {
                        fail(dotted + "." + mk, "unknown key");
                    }
                }
            } else {
                fail(dotted, "unknown key");
            }
        }
        if (r.types.empty()) {
            fail(key + ".match.types", "missing: name at least one type, or \"*\"");
        }
        for (std::size_t t = 0; t < r.types.size(); ++t) {
            if (r.types[t] != "*" && !valid_type_segment(r.types[t])) {
                fail(fmt::format("{}.match.types[{}]", key, t),
                     "expected \"*\", \"unclassified\" or a type name ([a-z0-9_]{1,64})");
            }
        }
        if (r.sinks.empty()) {
            fail(key + ".sinks", "missing: a route delivers to at least one sink");
        }
        if (!names.insert(r.name).second) {
            fail(key + ".name", fmt::format("\"{}\" names two routes", r.name));
        }
        out.push_back(std::move(r));
    }
    return out;
}

void validate_routing(const routing_config& r) {
    for (const auto& route : r.routes) {
        const auto where = fmt::format("routes (\"{}\")", route.name);
        std::set<std::string> seen;
        for (const auto& s : route.sinks) {
            if (r.sinks.count(s) == 0) {
                fail(where + ".sinks", fmt::format("no sink is named \"{}\"", s));
            }
            if (!seen.insert(s).second) {
                fail(where + ".sinks", fmt::format("\"{}\" is named twice", s));
            }
        }
        for (const auto& w : route.where) {
            for (auto t : types_of(route)) {
                if (!is_normalized_field(t, w.field)) {
                    fail(where + ".match.where." + w.field,
                         fmt::format("{} events have no field {} (fields are the normalized "
                                     "names in docs/events.md, or raw.<member>)",
                                     t == event_type::unclassified ? "unclassified" : type_name(t),
                                     w.field));
                }
            }
        }
    }
}

json to_json(const retry_config& r) {
    return json{{"initial_ms", r.initial.count()},
                {"max_ms", r.max_delay.count()},
                {"max_attempts", r.max_attempts},
                {"max_age_seconds", r.max_age.count()}};
}

json to_json(const routing_config& r) {
    json sinks = json::object();
    for (const auto& [name, s] : r.sinks) {
        json j;
        switch (s.kind) {
            case sink_kind::log:
                j = json::object();
                break;
            case sink_kind::http:
                j = {{"url", s.url_written},
                     {"method", s.method},
                     {"tls_verify", s.tls_verify},
                     {"headers", json::object()}};
                for (const auto& [h, v] : s.headers_written) {
                    j["headers"][h] = v;
                }
                if (s.body) {
                    j["body"] = *s.body;
                }
                break;
            case sink_kind::exec:
                j = {{"command", s.command_written},
                     {"permanent_exit_codes", s.permanent_exit_codes}};
                break;
            case sink_kind::file:
                j = {{"path", s.path},
                     {"rotate_bytes", s.rotate_bytes},
                     {"keep", s.keep},
                     {"fsync", s.fsync == fsync_policy::batch ? "batch" : "none"}};
                break;
        }
        j["kind"] = sink_kind_name(s.kind);
        if (s.kind == sink_kind::http || s.kind == sink_kind::exec) {
            j["timeout_ms"] = s.timeout.count();
            j["max_in_flight"] = s.max_in_flight;
        }
        if (s.kind != sink_kind::log) {
            j["order"] = s.order == delivery_order::per_customer ? "per_customer" : "none";
            j["retry"] = to_json(s.retry);
        }
        sinks[name] = std::move(j);
    }
    json routes = json::array();
    for (const auto& route : r.routes) {
        json m = {{"types", route.types}};
        if (!route.where.empty()) {
            m["where"] = where_to_json(route.where);
        }
        routes.push_back({{"name", route.name}, {"match", m}, {"sinks", route.sinks}});
    }
    return json{{"sinks", sinks}, {"routes", routes}};
}

std::string mask_secrets(std::string text, const std::vector<std::string>& secrets) {
    for (const auto& s : secrets) {
        for (auto at = text.find(s); !s.empty() && at != std::string::npos;
             at = text.find(s, at + 3)) {
            text.replace(at, s.size(), "***");
        }
    }
    return text;
}

}  // namespace solarhook
