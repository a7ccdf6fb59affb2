#include "solarhook/app/sinks_cli.hpp"

#include <fmt/format.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "solarhook/app/samples.hpp"
#include "solarhook/config/config.hpp"
#include "solarhook/decode/decoder.hpp"
#include "solarhook/decode/normalized.hpp"
#include "solarhook/dedup/dedup_key.hpp"
#include "solarhook/route/router.hpp"
#include "solarhook/sinks/drivers.hpp"
#include "solarhook/sinks/http_sink.hpp"

namespace solarhook::app {
namespace po = boost::program_options;
using json = nlohmann::json;

namespace {

constexpr const char* k_usage = R"(usage:
  solarhook sinks test NAME --sample TYPE [--generation 1|2] [--send] [--config FILE]
Shows what the sink would send for a sample event of TYPE (secrets masked);
--send sends it once and prints the outcome (exit 0 on success).
TYPE: customer_created, customer_status_change, project_email_sent, project_sms_sent,
      published_proposal_link, recent_draft_project
)";

const char* kind_name(deliver::attempt_kind k) {
    switch (k) {
        case deliver::attempt_kind::success:
            return "success";
        case deliver::attempt_kind::retry:
            return "failed; it would be retried";
        case deliver::attempt_kind::permanent:
            return "failed permanently; it would be dead";
    }
    return "";
}

}  // namespace

int run_sinks_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.empty() || args[0] != "test") {
        (args.empty() || args[0] == "--help" ? out : err) << k_usage;
        return args.size() == 1 && args[0] == "--help" ? 0 : 2;
    }
    po::options_description d;
    d.add_options()("name", po::value<std::string>())("sample", po::value<std::string>())(
        "generation", po::value<int>()->default_value(1))("send", po::bool_switch())(
        "config", po::value<std::string>());
    po::positional_options_description pos;
    pos.add("name", 1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(std::vector<std::string>(args.begin() + 1, args.end()))
                      .options(d)
                      .positional(pos)
                      .run(),
                  vm);
        po::notify(vm);
    } catch (const po::error& e) {
        err << "solarhook sinks: " << e.what() << "\n" << k_usage;
        return 2;
    }
    if (!vm.count("name") || !vm.count("sample")) {
        err << k_usage;
        return 2;
    }
    const auto name = vm["name"].as<std::string>();
    const auto type = vm["sample"].as<std::string>();
    const int generation = vm["generation"].as<int>();
    const auto payload = sample_payload(type, generation);
    if (!payload || (generation != 1 && generation != 2)) {
        err << "solarhook sinks: no sample for " << type << " (generation " << generation << ")\n"
            << k_usage;
        return 2;
    }
    config cfg;
    try {
        if (vm.count("config")) {
            cfg = load_config_file(vm["config"].as<std::string>());
        }
        const route::router r(cfg.routing);
        const auto* sink = r.sink(name);
        if (sink == nullptr) {
            err << "solarhook sinks: no sink is named \"" << name << "\"\n";
            return 2;
        }
        auto decoded = decode_body(*payload, std::string_view(type), decode_limits{});
        auto& ev = std::get<std::vector<decoded_event>>(decoded).at(0);
        std::vector<std::string> warnings;
        const auto key =
            event_key(ev, key_policy{cfg.dedup.key_templates}, std::nullopt, 0, 1, warnings);
        const auto normalized =
            normalize(ev, event_meta{key, 0, std::chrono::system_clock::now(), "sinks-test"});
        const auto routed = r.sinks_for(ev.type, normalized);
        if (std::find(routed.begin(), routed.end(), name) == routed.end()) {
            out << fmt::format("note: no route sends {} events like this one to {}\n", type, name);
        }
        const auto& c = sink->config;
        const auto mask = [&](const std::string& s) { return mask_secrets(s, c.secrets); };
        switch (c.kind) {
            case sink_kind::http: {
                out << c.method << " "
                    << mask(sink->url->render(normalized, route::text_escape::url)) << "\n";
                out << "Content-Type: application/json\n";
                for (const auto& [h, v] : c.headers) {
                    out << h << ": " << mask(v) << "\n";
                }
                out << "\n"
                    << (sink->body ? sink->body->render(normalized) : normalized).dump(2) << "\n";
                break;
            }
            case sink_kind::exec: {
                out << "command:";
                for (const auto& t : sink->command) {
                    out << " " << json(mask(t.render(normalized))).dump();
                }
                out << "\nstdin:\n" << normalized.dump(2) << "\n";
                break;
            }
            case sink_kind::file:
                out << "appends to " << c.path << ":\n" << normalized.dump() << "\n";
                break;
            case sink_kind::log:
                out << "the log sink writes one line per event on stdout (msg \"event\")\n";
                return 0;
        }
        if (!vm["send"].as<bool>()) {
            return 0;
        }
        boost::asio::io_context io;
        auto driver = sinks::make_driver(*sink, io);
        std::optional<deliver::attempt_result> result;
        driver->start(normalized, [&](deliver::attempt_result res) { result = std::move(res); });
        auto work = boost::asio::make_work_guard(io);
        while (!result) {
            io.run_one();
        }
        driver->close();
        out << "\noutcome: " << kind_name(result->kind) << "\n";
        if (result->status) {
            out << "status: " << *result->status << "\n";
        }
        if (!result->error.empty()) {
            out << "error: " << mask(result->error) << "\n";
        }
        if (!result->response.empty()) {
            out << "response: " << result->response << "\n";
        }
        return result->kind == deliver::attempt_kind::success ? 0 : 1;
    } catch (const config_error& e) {
        err << "solarhook sinks: " << e.what() << "\n";
        return 2;
    }
}

}  // namespace solarhook::app
