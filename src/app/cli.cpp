#include "solarhook/app/cli.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>

#include <csignal>
#include <cstdlib>
#include <iostream>

#include "solarhook/app/events_cli.hpp"
#include "solarhook/app/fd_limits.hpp"
#include "solarhook/app/notify.hpp"
#include "solarhook/app/remote_cli.hpp"
#include "solarhook/app/service.hpp"
#include "solarhook/app/sinks_cli.hpp"
#include "solarhook/http/tls_context.hpp"
#include "solarhook/log/structured.hpp"
#include "solarhook/route/router.hpp"

namespace solarhook::app {
namespace po = boost::program_options;

namespace {

constexpr const char* k_usage = R"(usage:
  solarhook serve [--config FILE] [--listen HOST:PORT] [--log-format json|text]
                  [--log-level LEVEL] [--io-threads N] [--workers N]
                  [--store sqlite|memory] [--data-dir DIR] [--durability full|normal]
  solarhook check-config FILE
  solarhook events list|show|replay|stats ...   (see: solarhook events --help)
  solarhook sinks test NAME --sample TYPE [--send] [--config FILE]
  solarhook send-test TYPE|all --url URL [--generation 1|2] [--repeat N] [--token T]
  solarhook provider subscribe|unsubscribe --url HOOK_URL --api-base URL [--types all|t1,t2]
  solarhook --version
)";

po::options_description serve_options() {
    po::options_description d("serve options");
    d.add_options()("help,h", "show this help")("config", po::value<std::string>(),
                                                "JSON config file (defaults are embedded)")(
        "listen", po::value<std::string>(), "HOST:PORT to listen on (default 127.0.0.1:8080)")(
        "log-format", po::value<std::string>(), "json (default) or text")(
        "log-level", po::value<std::string>(), "trace|debug|info|warn|error|critical|off")(
        "io-threads", po::value<unsigned>(), "HTTP I/O threads")("workers", po::value<unsigned>(),
                                                                 "event handler threads")(
        "store", po::value<std::string>(), "sqlite (default, durable) or memory (lost on exit)")(
        "data-dir", po::value<std::string>(), "where solarhook.db lives (default ./data)")(
        "durability", po::value<std::string>(), "full (default: fsync per commit) or normal");
    return d;
}

// Each sink's name and kind: what the banner shows (never a URL, header or command,
// which may hold secrets).
nlohmann::json sink_summary(const routing_config& r) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [name, s] : r.sinks) {
        out[name] = sink_kind_name(s.kind);
    }
    return out;
}

// "token", "signature", "token+signature" or "none": never a token itself.
std::string auth_mode(const security_config& s) {
    if (!s.tokens.empty() && !s.whsec_secrets.empty()) {
        return "token+signature";
    }
    return !s.tokens.empty() ? "token" : !s.whsec_secrets.empty() ? "signature" : "none";
}

// `reread` loads the configuration again, as at startup (file, then flags): SIGHUP.
int serve(config cfg, const std::function<config()>& reread) {
    // A log reader that went away (a shipper that crashed, `| head`) must turn stdout
    // writes into EPIPE errors, which the log sink reports and the workers retry, not
    // kill the process. Sockets never raise SIGPIPE (Asio sends with MSG_NOSIGNAL).
    std::signal(SIGPIPE, SIG_IGN);
    log::init(cfg.log_fmt, spdlog::level::from_str(cfg.log_level), nullptr, cfg.log_queue_bytes,
              cfg.security.redact);
    if (const auto fds = fit_fd_limit(cfg.limits.max_connections); fds.clamped) {
        log::warn("limits.max_connections lowered to fit the open-file limit",
                  {{"configured", cfg.limits.max_connections},
                   {"max_connections", fds.max_connections},
                   {"nofile_soft", fds.soft},
                   {"nofile_hard", fds.hard},
                   {"reserved", k_reserved_fds}});
        cfg.limits.max_connections = fds.max_connections;
    }
    system_clock clk;
    std::unique_ptr<service> svc_ptr;
    try {
        svc_ptr = std::make_unique<service>(cfg, std::vector<std::shared_ptr<handler>>{}, clk);
    } catch (const std::exception& e) {
        log::error("cannot open the event store", {{"error", e.what()}});
        log::get().flush();
        return 1;
    }
    service& svc = *svc_ptr;
    if (cfg.store.kind == store_kind::memory) {
        log::warn(
            "store is memory: acknowledged events and dedup keys are lost if the process "
            "stops; use the sqlite store in production");
    }

    // Signals are waited for on a private context so that no io thread is needed.
    boost::asio::io_context signals_ctx;
    boost::asio::signal_set signals(signals_ctx, SIGINT, SIGTERM);
    int received = 0;
    signals.async_wait([&](const boost::system::error_code&, int sig) {
        received = sig;
        signals_ctx.stop();
    });
    // SIGHUP: routes and sinks are re-read and swapped in, files reopened
    // (logrotate); listeners and the store are untouched.
    boost::asio::signal_set hup(signals_ctx, SIGHUP);
    std::function<void()> wait_hup = [&] {
        hup.async_wait([&](const boost::system::error_code& ec, int) {
            if (ec) {
                return;
            }
            notify::reloading();
            try {
                const auto restart = svc.reload(reread());
                svc.reopen();
                log::info("config reloaded: routes and sinks apply to deliveries that start now",
                          {{"restart_needed_for", restart}});
                if (!restart.empty()) {
                    log::warn("changed keys take effect only after a restart", {{"keys", restart}});
                }
            } catch (const std::exception& e) {
                log::error("config reload refused; the running config stays",
                           {{"error", e.what()}});
            }
            notify::ready();
            wait_hup();
        });
    };
    wait_hup();

    try {
        svc.start();
    } catch (const std::exception& e) {
        log::error("cannot start", {{"error", e.what()}});
        log::get().flush();
        return 1;
    }
    log::info(
        "listening",
        {{"version", SOLARHOOK_VERSION},
         {"host", cfg.listen_host},
         {"port", svc.port()},
         {"webhook_path", cfg.webhook_path},
         {"pid", ::getpid()},
         {"io_threads", cfg.io_threads},
         {"workers", cfg.workers},
         {"queue_capacity", cfg.queue_capacity},
         {"max_connections", cfg.limits.max_connections},
         {"store", cfg.store.kind == store_kind::memory ? "memory" : "sqlite"},
         {"database", cfg.store.kind == store_kind::memory ? std::string() : svc.database_path()},
         {"durability", cfg.store.durability == durability_level::full ? "full" : "normal"},
         {"sinks", sink_summary(cfg.routing)},
         {"routes", cfg.routing.routes.size()},
         {"auth", auth_mode(cfg.security)},
         {"metrics", !cfg.metrics.enabled     ? "off"
                     : cfg.metrics.separate() ? "metrics.listen"
                                              : "listen"},
         {"metrics_port", svc.metrics_port()},
         {"tls", cfg.security.tls_enabled()},
         {"trusted_proxies", cfg.security.trusted_proxies},
         {"allow", cfg.security.allow}});
    if (!cfg.security.auth_configured()) {
        log::warn(
            "no auth configured: anyone who can reach this address can inject events; set "
            "auth.tokens and put ?token=... on the hookUrl (docs/security.md)");
    }
    log::get().flush();  // whoever waits for "listening" should not wait for the flusher
    notify::ready();
    if (const auto every = notify::watchdog_interval()) {
        svc.heartbeat(*every, notify::watchdog);
    }
    signals_ctx.run();

    notify::stopping();
    log::info("shutting down", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
    const auto r = svc.shutdown();
    const auto left = r.events.left_queued + r.events.in_progress;
    log::get().write(left == 0 ? log::level::info : log::level::warn, "shutdown complete",
                     {{"requests_drained", r.requests_drained},
                      {"events_processed", r.processed},
                      {"events_failed", r.failed},
                      {"events_left_unprocessed", left},
                      {"events_left_queued", r.events.left_queued},
                      {"events_left_in_progress", r.events.in_progress},
                      {"store_commits", r.commits},
                      {"store_ops_committed", r.ops_committed}});
    log::get().flush();
    if (!r.events.complete) {
        // A handler is still running past the drain deadline; its thread cannot be
        // joined, so leave without running destructors that would wait for it.
        std::_Exit(0);
    }
    return 0;
}

}  // namespace

config parse_serve_args(const std::vector<std::string>& args) {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(serve_options()).run(), vm);
    po::notify(vm);
    config cfg = vm.count("config") ? load_config_file(vm["config"].as<std::string>()) : config{};
    nlohmann::json flags = nlohmann::json::object();
    if (vm.count("listen")) {
        flags["listen"] = vm["listen"].as<std::string>();
    }
    if (vm.count("log-format")) {
        flags["log_format"] = vm["log-format"].as<std::string>();
    }
    if (vm.count("log-level")) {
        flags["log_level"] = vm["log-level"].as<std::string>();
    }
    if (vm.count("io-threads")) {
        flags["io_threads"] = vm["io-threads"].as<unsigned>();
    }
    if (vm.count("workers")) {
        flags["workers"] = vm["workers"].as<unsigned>();
    }
    if (vm.count("store")) {
        flags["store"]["kind"] = vm["store"].as<std::string>();
    }
    if (vm.count("data-dir")) {
        flags["store"]["data_dir"] = vm["data-dir"].as<std::string>();
    }
    if (vm.count("durability")) {
        flags["store"]["durability"] = vm["durability"].as<std::string>();
    }
    try {
        cfg = apply_config_json(std::move(cfg), flags);
    } catch (const config_error& e) {
        throw config_error(fmt::format("command line: {}", e.what()));
    }
    route::router checked(cfg.routing);  // templates and their placeholders, before anything opens
    return cfg;
}

int run_cli(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::cout << k_usage;
        return args.empty() ? 2 : 0;
    }
    if (args[0] == "--version" || args[0] == "version") {
        std::cout << "solarhook " << SOLARHOOK_VERSION << "\n";
        return 0;
    }
    try {
        if (args[0] == "check-config") {
            if (args.size() != 2) {
                std::cerr << "usage: solarhook check-config FILE\n";
                return 2;
            }
            const config cfg = load_config_file(args[1]);
            route::router checked(cfg.routing);  // templates and their placeholders
            if (cfg.security.tls_enabled()) {
                try {
                    http::make_server_tls_context(cfg.security.cert_file, cfg.security.key_file);
                } catch (const std::runtime_error& e) {
                    throw config_error(e.what());
                }
            }
            std::cout << "config OK: " << args[1] << "\n" << to_json(cfg).dump(2) << "\n";
            return 0;
        }
        if (args[0] == "send-test") {
            return run_send_test(std::vector<std::string>(args.begin() + 1, args.end()), std::cout,
                                 std::cerr);
        }
        if (args[0] == "provider") {
            return run_provider_cli(std::vector<std::string>(args.begin() + 1, args.end()),
                                    std::cout, std::cerr);
        }
        if (args[0] == "sinks") {
            return run_sinks_cli(std::vector<std::string>(args.begin() + 1, args.end()), std::cout,
                                 std::cerr);
        }
        if (args[0] == "events") {
            return run_events_cli(std::vector<std::string>(args.begin() + 1, args.end()), std::cout,
                                  std::cerr);
        }
        if (args[0] == "serve") {
            const std::vector<std::string> rest(args.begin() + 1, args.end());
            if (std::find(rest.begin(), rest.end(), "--help") != rest.end() ||
                std::find(rest.begin(), rest.end(), "-h") != rest.end()) {
                std::cout << k_usage << "\n" << serve_options();
                return 0;
            }
            return serve(parse_serve_args(rest), [rest] { return parse_serve_args(rest); });
        }
    } catch (const config_error& e) {
        std::cerr << "solarhook: " << e.what() << "\n";
        return 2;
    } catch (const po::error& e) {
        std::cerr << "solarhook: " << e.what() << "\n" << k_usage;
        return 2;
    }
    std::cerr << "solarhook: unknown command '" << args[0] << "'\n" << k_usage;
    return 2;
}

}  // namespace solarhook::app
