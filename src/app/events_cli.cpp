#include "solarhook/app/events_cli.hpp"

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include <charconv>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <limits>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "solarhook/config/config.hpp"
#include "solarhook/core/clock.hpp"

namespace solarhook::app {
namespace po = boost::program_options;
using json = nlohmann::json;

namespace {

constexpr const char* k_usage = R"(usage:
  solarhook events list   [--state S] [--type T] [--since TIME] [--limit N] [--json]
  solarhook events list   --sink NAME [--state pending|done|dead] [--limit N] [--json]
  solarhook events show   ID [--json]
  solarhook events replay ID... [--sink NAME] | --state dead|quarantined | --state dead --sink NAME
  solarhook events stats  [--json]
--sink: the deliveries to that sink (one per event and sink) rather than the events;
replaying an event with deliveries re-runs only those (of that sink), never the others.
common: --data-dir DIR (default ./data) or --config FILE (uses its store.data_dir)
TIME: 2026-11-29T10:00:00Z, or back from now: 90s, 15m, 2h, 7d
)";

store::millis now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string when(store::millis ms) {
    return format_rfc3339(clock::time_point{std::chrono::milliseconds{ms}}).substr(0, 19) + "Z";
}

json to_json(const store::delivery_row& d) {
    json j{{"delivery_id", d.id},
           {"event_id", d.event_id},
           {"sink", d.sink},
           {"state", store::delivery_state_name(d.state)},
           {"attempts", d.attempts},
           {"order_key", d.order_key},
           {"last_error", d.last_error},
           {"last_status", d.last_status ? json(*d.last_status) : json()},
           {"last_response", d.last_response},
           {"updated_at", when(d.updated_at)}};
    if (d.state == store::delivery_state::pending) {
        j["next_attempt_at"] = when(d.next_attempt_at);
    }
    return j;
}

json to_json(const store::stored_event& e, bool full) {
    json j{{"id", e.id},
           {"state", store::state_name(e.state)},
           {"type", e.type},
           {"key", e.key},
           {"received_at", when(e.received_at)},
           {"attempts", e.attempts},
           {"last_error", e.last_error},
           {"request_id", e.request_id}};
    if (e.state == store::event_state::pending) {
        j["next_attempt_at"] = when(e.next_attempt_at);
    }
    if (full) {
        j["payload"] = json::parse(e.raw, nullptr, false);
        if (j["payload"].is_discarded()) {
            j["payload"] = e.raw;  // a quarantined body that is not JSON at all
        }
        j["typed"] = json::parse(e.typed, nullptr, false);
    }
    return j;
}

std::string clip(const std::string& s, std::size_t n) {
    return s.size() <= n ? s : s.substr(0, n - 1) + "~";
}

}  // namespace

std::optional<store::millis> parse_since(const std::string& text, store::millis now) {
    if (text.empty()) {
        return std::nullopt;
    }
    const char unit = text.back();
    std::int64_t n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
    if (ec == std::errc{} && ptr == text.data() + text.size() - 1 && n >= 0) {
        const std::int64_t per = unit == 's'   ? 1000
                                 : unit == 'm' ? 60'000
                                 : unit == 'h' ? 3'600'000
                                 : unit == 'd' ? 86'400'000
                                               : 0;
        if (per != 0) {
            // "99999999999999d" reaches before any time there is: clamp, never overflow.
            store::millis back = 0;
            store::millis since = 0;
            if (__builtin_mul_overflow(n, per, &back) ||
                __builtin_sub_overflow(now, back, &since)) {
                return std::numeric_limits<store::millis>::min();
            }
            return since;
        }
    }
    std::tm tm{};
    std::istringstream in(text);
    in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
    if (in.fail()) {
        return std::nullopt;
    }
    std::string rest;
    in >> rest;
    if (!rest.empty() && rest != "Z") {
        return std::nullopt;  // only UTC, to keep the meaning unambiguous
    }
    return static_cast<store::millis>(timegm(&tm)) * 1000;
}

int run_events_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        (args.empty() ? err : out) << k_usage;
        return args.empty() ? 2 : 0;
    }
    const std::string verb = args[0];
    po::options_description d;
    d.add_options()("data-dir", po::value<std::string>())("config", po::value<std::string>())(
        "state", po::value<std::string>())("type", po::value<std::string>())(
        "since", po::value<std::string>())("limit", po::value<int>()->default_value(50))(
        "json", po::bool_switch())("ids", po::value<std::vector<std::int64_t>>())(
        "sink", po::value<std::string>());
    po::positional_options_description pos;
    pos.add("ids", -1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(std::vector<std::string>(args.begin() + 1, args.end()))
                      .options(d)
                      .positional(pos)
                      .run(),
                  vm);
        po::notify(vm);
    } catch (const po::error& e) {
        err << "solarhook events: " << e.what() << "\n" << k_usage;
        return 2;
    }

    std::string data_dir = config{}.store.data_dir;
    try {
        if (vm.count("config")) {
            data_dir = load_config_file(vm["config"].as<std::string>()).store.data_dir;
        }
    } catch (const config_error& e) {
        err << "solarhook events: " << e.what() << "\n";
        return 2;
    }
    if (vm.count("data-dir")) {
        data_dir = vm["data-dir"].as<std::string>();
    }
    const auto path = (std::filesystem::path(data_dir) / "solarhook.db").string();
    if (!std::filesystem::exists(path)) {
        err << "solarhook events: no database at " << path
            << " (check --data-dir; the daemon creates it on its first start)\n";
        return 1;
    }
    std::optional<store::event_state> state;
    std::optional<store::delivery_state> delivery_state;
    std::optional<std::string> sink;
    if (vm.count("sink")) {
        sink = vm["sink"].as<std::string>();
        if (vm.count("state")) {
            delivery_state = store::parse_delivery_state(vm["state"].as<std::string>());
            if (!delivery_state) {
                err << "solarhook events: with --sink, --state must be pending, done or dead\n";
                return 2;
            }
        }
    } else if (vm.count("state")) {
        state = store::parse_state(vm["state"].as<std::string>());
        if (!state) {
            err << "solarhook events: --state must be pending, done, dead or quarantined\n";
            return 2;
        }
    }
    const bool as_json = vm["json"].as<bool>();
    const auto ids =
        vm.count("ids") ? vm["ids"].as<std::vector<std::int64_t>>() : std::vector<std::int64_t>{};

    try {
        auto s = store::event_store::open_existing(path, std::chrono::seconds(3));
        if (verb == "list" && sink) {
            const auto rows = s->list_deliveries({delivery_state, sink, std::nullopt,
                                                  std::clamp(vm["limit"].as<int>(), 1, 100'000)});
            if (as_json) {
                json arr = json::array();
                for (const auto& d : rows) {
                    arr.push_back(to_json(d));
                }
                out << arr.dump(2) << "\n";
            } else {
                out << fmt::format("{:>8}  {:>8}  {:<8}  {:>4}  {:>6}  {:<20}  {}\n", "DELIVERY",
                                   "EVENT", "STATE", "TRY", "STATUS", "UPDATED", "LAST ERROR");
                for (const auto& d : rows) {
                    out << fmt::format("{:>8}  {:>8}  {:<8}  {:>4}  {:>6}  {:<20}  {}\n", d.id,
                                       d.event_id, store::delivery_state_name(d.state), d.attempts,
                                       d.last_status ? std::to_string(*d.last_status) : "-",
                                       when(d.updated_at), clip(d.last_error, 60));
                }
            }
            return 0;
        }
        if (verb == "list") {
            store::list_filter f;
            f.state = state;
            if (vm.count("type")) {
                f.type = vm["type"].as<std::string>();
            }
            if (vm.count("since")) {
                f.since = parse_since(vm["since"].as<std::string>(), now_ms());
                if (!f.since) {
                    err << "solarhook events: --since takes 2026-11-29T10:00:00Z or "
                           "90s/15m/2h/7d\n";
                    return 2;
                }
            }
            f.limit = std::clamp(vm["limit"].as<int>(), 1, 100'000);
            const auto rows = s->list(f);
            if (as_json) {
                json arr = json::array();
                for (const auto& e : rows) {
                    arr.push_back(to_json(e, false));
                }
                out << arr.dump(2) << "\n";
            } else {
                out << fmt::format("{:>8}  {:<11}  {:<24}  {:>4}  {:<20}  {:<18}  {}\n", "ID",
                                   "STATE", "TYPE", "TRY", "RECEIVED", "KEY", "LAST ERROR");
                for (const auto& e : rows) {
                    out << fmt::format("{:>8}  {:<11}  {:<24}  {:>4}  {:<20}  {:<18}  {}\n", e.id,
                                       store::state_name(e.state), clip(e.type, 24), e.attempts,
                                       when(e.received_at), clip(e.key, 18),
                                       clip(e.last_error, 60));
                }
            }
            return 0;
        }
        if (verb == "show") {
            if (ids.size() != 1) {
                err << "usage: solarhook events show ID\n";
                return 2;
            }
            const auto e = s->get(ids[0]);
            if (!e) {
                err << "solarhook events: no event " << ids[0] << "\n";
                return 1;
            }
            auto j = to_json(*e, true);
            j["deliveries"] = json::array();
            for (const auto& d : s->list_deliveries({std::nullopt, std::nullopt, e->id, 1000})) {
                j["deliveries"].push_back(to_json(d));
            }
            if (as_json) {
                out << j.dump(2) << "\n";
            } else {
                for (const auto& [k, v] : j.items()) {
                    out << fmt::format("{:<16} {}\n", k + ":",
                                       v.is_string() ? v.get<std::string>() : v.dump(2));
                }
            }
            return 0;
        }
        if (verb == "replay") {
            const bool by_sink_state = sink && delivery_state && ids.empty();
            if (!by_sink_state && ids.empty() == !state) {
                err << "usage: solarhook events replay ID... [--sink NAME] | --state "
                       "dead|quarantined | --state dead --sink NAME\n";
                return 2;
            }
            std::size_t n = 0;
            s->begin();
            if (by_sink_state) {
                n = s->replay_deliveries({delivery_state, sink, std::nullopt, 0}, true, now_ms());
            } else if (state) {
                n = s->replay_state(*state, now_ms());
            } else {
                for (const auto id : ids) {
                    // An event with deliveries re-runs them (of --sink only, if given); one
                    // without (quarantined, or from before deliveries) is routed again.
                    if (s->list_deliveries({std::nullopt, sink, id, 1}).empty()) {
                        n += sink ? 0 : s->replay(std::vector<std::int64_t>{id}, now_ms());
                    } else {
                        n += s->replay_deliveries({std::nullopt, sink, id, 0}, true, now_ms());
                    }
                }
            }
            s->commit();
            if (as_json) {
                out << json{{"replayed", n}}.dump() << "\n";
            } else {
                out << "replayed " << n << " event(s); a running daemon picks them up within a "
                    << "second\n";
            }
            return 0;
        }
        if (verb == "stats") {
            const auto st = s->stats();
            json j{{"by_state", st.by_state_and_type},
                   {"deliveries", st.deliveries_by_sink_and_state},
                   {"dedup_keys", st.dedup_keys},
                   {"oldest_pending", st.oldest_pending ? json(when(*st.oldest_pending)) : json()}};
            if (as_json) {
                out << j.dump(2) << "\n";
            } else {
                out << fmt::format("{:<12} {:<28} {:>10}\n", "STATE", "TYPE", "COUNT");
                for (const auto& [state_name, types] : st.by_state_and_type) {
                    for (const auto& [type, count] : types) {
                        out << fmt::format("{:<12} {:<28} {:>10}\n", state_name, clip(type, 28),
                                           count);
                    }
                }
                for (const auto& [sink_name, states] : st.deliveries_by_sink_and_state) {
                    for (const auto& [state_name, count] : states) {
                        out << fmt::format("{:<12} {:<28} {:>10}\n", state_name,
                                           clip("→ " + sink_name, 28), count);
                    }
                }
                out << "dedup keys: " << st.dedup_keys << "\noldest pending: "
                    << (st.oldest_pending ? when(*st.oldest_pending) : std::string("none")) << "\n";
            }
            return 0;
        }
        err << "solarhook events: unknown command '" << verb << "'\n" << k_usage;
        return 2;
    } catch (const store::store_error& e) {
        if (e.code() == SQLITE_BUSY || e.code() == SQLITE_LOCKED) {
            err << "solarhook events: the database is locked by another writer; try again ("
                << e.what() << ")\n";
        } else {
            err << "solarhook events: " << e.what() << "\n";
        }
        return 1;
    }
}

}  // namespace solarhook::app
