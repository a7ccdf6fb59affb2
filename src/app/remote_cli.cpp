#include "solarhook/app/remote_cli.hpp"

#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "solarhook/app/http_call.hpp"
#include "solarhook/app/samples.hpp"
#include "solarhook/decode/event.hpp"
#include "solarhook/route/template.hpp"

namespace solarhook::app {
namespace po = boost::program_options;
using json = nlohmann::json;

namespace {

constexpr const char* k_send_usage = R"(usage:
  solarhook send-test TYPE|all --url URL [--generation 1|2] [--repeat N] [--token T]
                      [--ca-file PEM] [--timeout-ms N]
Posts sample events to URL/<TYPE> as the provider would and prints each answer;
exits 1 if any answer is not 200. Without --generation, each type is sent in both
generations and once as an array body. --token adds ?token=T to the URL.
)";

constexpr const char* k_provider_usage = R"(usage:
  solarhook provider subscribe --url HOOK_URL [--types all|t1,t2] --api-base URL
  solarhook provider unsubscribe --url HOOK_URL --api-base URL
The API key is read from the environment variable SOLARPROOF_API_KEY (never a flag).
--api-base is your account's API address up to and including apidata.php. When
HOOK_URL has no event type at its end, each type is subscribed with its own URL
(HOOK_URL/<type>), so that events are classified by their path.
)";

std::vector<std::string> split_types(const std::string& s) {
    if (s == "all") {
        return sample_types();
    }
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= s.size()) {
        auto comma = s.find(',', pos);
        if (comma == std::string::npos) {
            comma = s.size();
        }
        if (comma > pos) {
            out.push_back(s.substr(pos, comma - pos));
        }
        pos = comma + 1;
    }
    return out;
}

bool parse(const std::vector<std::string>& args, po::options_description& d,
           po::positional_options_description& pos, po::variables_map& vm, std::ostream& err,
           const char* usage) {
    try {
        po::store(po::command_line_parser(args).options(d).positional(pos).run(), vm);
        po::notify(vm);
        return true;
    } catch (const po::error& e) {
        err << e.what() << "\n" << usage;
        return false;
    }
}

std::string with_query(const std::string& url, const std::string& key, const std::string& value) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") + key + "=" + value;
}

}  // namespace

std::string url_for_type(const std::string& hook_url, const std::string& type) {
    const auto q = hook_url.find('?');
    std::string path = hook_url.substr(0, q);
    const std::string query = q == std::string::npos ? "" : hook_url.substr(q);
    const auto last = path.substr(path.rfind('/') + 1);
    if (last != type) {
        if (!path.empty() && path.back() == '/') {
            path.pop_back();
        }
        path += "/" + type;
    }
    return path + query;
}

int run_send_test(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    po::options_description d;
    d.add_options()("type", po::value<std::string>())("url", po::value<std::string>())(
        "generation", po::value<int>())("repeat", po::value<int>()->default_value(1))(
        "token", po::value<std::string>())("ca-file", po::value<std::string>())(
        "timeout-ms", po::value<int>()->default_value(10'000))("help", "");
    po::positional_options_description pos;
    pos.add("type", 1);
    po::variables_map vm;
    if (!parse(args, d, pos, vm, err, k_send_usage)) {
        return 2;
    }
    if (vm.count("help")) {
        out << k_send_usage;
        return 0;
    }
    if (!vm.count("type") || !vm.count("url")) {
        err << k_send_usage;
        return 2;
    }
    const auto types = split_types(vm["type"].as<std::string>());
    for (const auto& t : types) {
        if (!sample_payload(t)) {
            err << "solarhook send-test: no sample for " << t << "\n" << k_send_usage;
            return 2;
        }
    }
    const int repeat = vm["repeat"].as<int>();
    if (repeat < 1 || repeat > 1000) {
        err << "solarhook send-test: --repeat must be 1..1000\n";
        return 2;
    }
    struct shot {
        int generation;
        bool array;
    };
    std::vector<shot> shots{{1, false}, {2, false}, {1, true}};
    if (vm.count("generation")) {
        const int g = vm["generation"].as<int>();
        if (g != 1 && g != 2) {
            err << "solarhook send-test: --generation must be 1 or 2\n";
            return 2;
        }
        shots = {{g, false}};
    }
    const auto timeout = std::chrono::milliseconds(vm["timeout-ms"].as<int>());
    const auto ca = vm.count("ca-file") ? vm["ca-file"].as<std::string>() : std::string();
    int failed = 0;
    int sent = 0;
    for (const auto& t : types) {
        auto url = url_for_type(vm["url"].as<std::string>(), t);
        if (vm.count("token")) {
            url = with_query(url, "token", route::url_encode(vm["token"].as<std::string>()));
        }
        for (const auto& s : shots) {
            const auto payload = *sample_payload(t, s.generation);
            const auto body = s.array ? "[" + payload + "]" : payload;
            for (int i = 0; i < repeat; ++i) {
                ++sent;
                const auto label =
                    fmt::format("{} generation {}{}", t, s.generation, s.array ? " (array)" : "");
                try {
                    const auto r = http_post(url, body, {}, timeout, ca);
                    std::string summary = r.body;
                    const auto j = json::parse(r.body, nullptr, false);
                    if (j.is_object() && j.contains("events") && j["events"].is_array()) {
                        summary.clear();
                        for (const auto& e : j["events"]) {
                            summary += fmt::format("{}{} {}", summary.empty() ? "" : ", ",
                                                   e.value("type", "?"), e.value("result", "?"));
                        }
                    }
                    out << fmt::format("{}: {} {}\n", label, r.status, summary);
                    failed += r.status == 200 ? 0 : 1;
                } catch (const std::exception& e) {
                    out << fmt::format("{}: failed: {}\n", label, e.what());
                    ++failed;
                }
            }
        }
    }
    out << fmt::format("{} of {} answered 200\n", sent - failed, sent);
    return failed == 0 ? 0 : 1;
}

int run_provider_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.empty() || (args[0] != "subscribe" && args[0] != "unsubscribe")) {
        (args.empty() || args[0] == "--help" ? out : err) << k_provider_usage;
        return args.size() == 1 && args[0] == "--help" ? 0 : 2;
    }
    const bool subscribe = args[0] == "subscribe";
    po::options_description d;
    d.add_options()("url", po::value<std::string>())("types", po::value<std::string>())(
        "api-base", po::value<std::string>())("ca-file", po::value<std::string>())(
        "timeout-ms", po::value<int>()->default_value(15'000));
    po::positional_options_description pos;
    po::variables_map vm;
    if (!parse(std::vector<std::string>(args.begin() + 1, args.end()), d, pos, vm, err,
               k_provider_usage)) {
        return 2;
    }
    if (!vm.count("url") || !vm.count("api-base") || (!subscribe && vm.count("types"))) {
        err << k_provider_usage;
        return 2;
    }
    const char* key = std::getenv("SOLARPROOF_API_KEY");
    if (key == nullptr || *key == '\0') {
        err << "solarhook provider: set SOLARPROOF_API_KEY to the account's API key\n";
        return 2;
    }
    const auto hook = vm["url"].as<std::string>();
    const auto types = split_types(vm.count("types") ? vm["types"].as<std::string>() : "all");
    for (const auto& t : types) {
        if (!parse_type_name(t)) {
            err << "solarhook provider: unknown type " << t << "\n";
            return 2;
        }
    }
    const auto timeout = std::chrono::milliseconds(vm["timeout-ms"].as<int>());
    const auto ca = vm.count("ca-file") ? vm["ca-file"].as<std::string>() : std::string();
    const auto endpoint = [&](const char* action) {
        // The key travels in the query, as the provider requires; it is never printed.
        return with_query(with_query(vm["api-base"].as<std::string>(), "action", action), "api_key",
                          route::url_encode(key));
    };
    // One call; prints its outcome without the key; true on {"success":true} (or, with
    // `absent_ok`, on the provider's "No matching webhook").
    const auto call = [&](const char* action, const json& body, const std::string& what,
                          bool absent_ok = false) {
        try {
            const auto r = http_post(endpoint(action), body.dump(), {}, timeout, ca);
            const auto j = json::parse(r.body, nullptr, false);
            const auto message = j.is_object() && j.contains("message") && j["message"].is_string()
                                     ? j["message"].get<std::string>()
                                     : r.body.substr(0, 200);
            const bool ok = (r.status == 200 && j.is_object() && j.value("success", false)) ||
                            (absent_ok && message.starts_with("No matching webhook"));
            (ok ? out : err) << fmt::format("{}: {} ({} {})\n", what, ok ? "ok" : "refused",
                                            r.status, message);
            return ok;
        } catch (const std::exception& e) {
            std::string why = e.what();
            // The URL in a transport error carries the key: cut it out.
            const auto encoded = route::url_encode(key);
            for (auto at = why.find(encoded); at != std::string::npos; at = why.find(encoded)) {
                why.replace(at, encoded.size(), "***");
            }
            err << fmt::format("{}: failed: {}\n", what, why);
            return false;
        }
    };
    bool all_ok = true;
    if (subscribe) {
        for (const auto& t : types) {
            const auto url = url_for_type(hook, t);
            all_ok = call("subscribe_customer", json{{"hookUrl", url}, {"type_request", t}},
                          fmt::format("subscribe {} -> {}", t, url)) &&
                     all_ok;
        }
    } else {
        // One call removes every type of a URL. A base URL was subscribed as one URL
        // per type (subscribe above), so each of those is removed, and one that was
        // never subscribed is nothing to remove.
        const auto path = hook.substr(0, hook.find('?'));
        const bool per_type = !parse_type_name(path.substr(path.rfind('/') + 1));
        const auto urls = per_type ? [&] {
            std::vector<std::string> u;
            for (const auto& t : types) {
                u.push_back(url_for_type(hook, t));
            }
            return u;
        }()
                                   : std::vector<std::string>{hook};
        for (const auto& u : urls) {
            all_ok =
                call("unsubscribe_customer", json{{"hookUrl", u}}, "unsubscribe " + u, per_type) &&
                all_ok;
        }
    }
    return all_ok ? 0 : 1;
}

}  // namespace solarhook::app
