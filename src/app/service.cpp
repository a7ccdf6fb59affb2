#include "solarhook/app/service.hpp"

#include <set>

#include <filesystem>

#include "solarhook/deliver/journal.hpp"
#include "solarhook/log/structured.hpp"
#include "solarhook/metrics/metrics.hpp"
#include "solarhook/pipeline/route_stage.hpp"
#include "solarhook/sinks/drivers.hpp"
#include "solarhook/sinks/log_sink.hpp"

namespace solarhook::app {

std::string service::database_path() const {
    return (std::filesystem::path(cfg_.store.data_dir) / "solarhook.db").string();
}

namespace {

std::vector<deliver::job> jobs_of(std::vector<store::delivery_row> rows,
                                  const std::shared_ptr<const nlohmann::json>& normalized) {
    std::vector<deliver::job> jobs;
    jobs.reserve(rows.size());
    for (auto& d : rows) {
        jobs.push_back(deliver::job{d.id, d.event_id, std::move(d.sink), std::move(d.order_key),
                                    d.attempts, d.next_attempt_at, d.received_at, normalized});
    }
    return jobs;
}

}  // namespace

service::service(config cfg, std::vector<std::shared_ptr<handler>> handlers, const clock& clk)
    : cfg_(std::move(cfg)), queue_(cfg_.queue_capacity), clock_(clk) {
    routes_ =
        std::make_shared<route::router_holder>(std::make_shared<const route::router>(cfg_.routing));
    if (handlers.empty()) {
        handlers.push_back(std::make_shared<route_stage>(routes_, std::make_shared<log_sink>()));
    }
    const auto routable = [routes = routes_](const decoded_event& ev) {
        return routes->get()->takes(ev.type, ev.type_label);
    };
    const deliver::sink_runner::options runner_opts{4096, cfg_.store.dispatch_poll};
    inbox* box = nullptr;
    worker_pool::completion on_done;
    if (cfg_.store.kind == store_kind::memory) {
        dedup_ = std::make_unique<memory_dedup_store>(clk, cfg_.dedup.ttl, cfg_.dedup.max_entries);
        memory_ = std::make_unique<memory_inbox>(*dedup_, queue_, clk);
        memory_->set_routes_unclassified(routable);
        box = memory_.get();
        journal_ = std::make_unique<deliver::memory_journal>();
        engine_ =
            std::make_unique<deliver::engine>(*journal_, clk, sinks::make_driver, runner_opts);
        // Nothing is kept: each delivery is numbered here and handed on at once.
        on_done = [e = engine_.get(), next = std::make_shared<std::atomic<std::int64_t>>(0)](
                      const queued_event& ev, const std::string* error) {
            if (error != nullptr || !ev.plan) {
                return;
            }
            // The routing stage built the normalized event for every sink it left here.
            std::vector<deliver::job> jobs;
            for (const auto& s : ev.plan->sinks) {
                if (!s.done) {
                    jobs.push_back(deliver::job{++*next, 0, s.sink, s.order_key, 0, 0,
                                                to_unix_ms(ev.received_at), ev.plan->normalized});
                }
            }
            if (!jobs.empty()) {
                e->submit(std::move(jobs));
            }
        };
    } else {
        std::filesystem::create_directories(cfg_.store.data_dir);
        dir_lock_ = std::make_unique<store::dir_lock>(cfg_.store.data_dir);
        const auto level = cfg_.store.durability == durability_level::full
                               ? store::durability::full
                               : store::durability::normal;
        writer_ = std::make_unique<store::event_store>(
            database_path(), level, cfg_.store.busy_timeout, cfg_.dedup.max_entries);
        writer_->load_dedup_keys(to_unix_ms(clk.now()));
        writer_->set_quarantine_bound(cfg_.retention.quarantine_max_rows,
                                      cfg_.retention.quarantine_max_bytes);
        committer_ = std::make_unique<store::group_committer>(
            *writer_,
            store::group_committer::options{cfg_.store.group_commit_max_batch,
                                            group_commit_wait(cfg_.store)},
            [](std::chrono::nanoseconds took, std::size_t ops) {
                metrics::get().commit(std::chrono::duration<double>(took).count(), ops);
            });
        durable_inbox::options opts;
        opts.dedup_ttl = cfg_.dedup.ttl;
        opts.retry = retry_policy{cfg_.retry.initial, cfg_.retry.max_delay, cfg_.retry.max_attempts,
                                  cfg_.retry.max_age};
        opts.done_retention = cfg_.retention.done;
        opts.quarantine_max_rows = cfg_.retention.quarantine_max_rows;
        opts.quarantine_max_bytes = cfg_.retention.quarantine_max_bytes;
        opts.poll_interval = cfg_.store.dispatch_poll;
        opts.max_disk_bytes = cfg_.store.max_disk_bytes;
        opts.routes_unclassified = routable;
        durable_ = std::make_unique<durable_inbox>(
            *committer_,
            std::make_unique<store::event_store>(database_path(), level, cfg_.store.busy_timeout),
            queue_, clk, opts);
        box = durable_.get();
        journal_ = std::make_unique<deliver::durable_journal>(
            *committer_,
            std::make_unique<store::event_store>(database_path(), level, cfg_.store.busy_timeout),
            clk);
        engine_ =
            std::make_unique<deliver::engine>(*journal_, clk, sinks::make_driver, runner_opts);
        durable_->set_routed_hook([e = engine_.get()](std::vector<store::delivery_row> rows,
                                                      std::shared_ptr<const nlohmann::json> n) {
            e->submit(jobs_of(std::move(rows), n));
        });
        on_done = [d = durable_.get()](const queued_event& ev, const std::string* error) {
            d->on_processed(ev, error);
        };
    }
    workers_ = std::make_unique<worker_pool>(queue_, std::move(handlers), cfg_.workers,
                                             std::move(on_done));
    ingest_ = std::make_unique<ingest_service>(cfg_, *box);
    endpoint_ = std::make_unique<http::webhook_endpoint>(cfg_, *ingest_);
    server_ = std::make_unique<http::server>(cfg_, *endpoint_);
    metrics::set_enabled(cfg_.metrics.enabled);
    if (cfg_.metrics.separate()) {
        // A listener of its own, plain HTTP, one io thread: /metrics and health only.
        metrics_cfg_ = std::make_unique<config>(cfg_);
        metrics_cfg_->listen_host = cfg_.metrics.listen_host;
        metrics_cfg_->listen_port = cfg_.metrics.listen_port;
        metrics_cfg_->io_threads = 1;
        metrics_cfg_->security.cert_file.clear();
        metrics_cfg_->security.key_file.clear();
        metrics_endpoint_ = std::make_unique<http::webhook_endpoint>(*metrics_cfg_, *ingest_);
        metrics_endpoint_->metrics_only();
        metrics_endpoint_->serve_metrics([this] { return metrics_text(); });
        metrics_server_ = std::make_unique<http::server>(*metrics_cfg_, *metrics_endpoint_);
    } else if (cfg_.metrics.enabled) {
        endpoint_->serve_metrics([this] { return metrics_text(); });
    }
}

std::string service::metrics_text() {
    metrics::snapshot s;
    s.open_connections = server_->open_connections();
    s.requests_in_flight = server_->requests_in_flight();
    s.queue_depth = queue_.size();
    s.queue_capacity = queue_.capacity();
    if (durable_) {
        s.store_healthy = committer_->healthy();
        s.database_bytes = durable_->disk_bytes();
        s.dedup_live_keys = writer_->dedup_live_keys();
        s.quarantine_rows = durable_->quarantine_rows();
        s.quarantine_bytes = durable_->quarantine_bytes();
        s.event_retries = durable_->retries_scheduled();
    } else {
        s.dedup_live_keys = dedup_->stats().live;
    }
    s.log_lines_dropped = log::get().dropped();
    const auto now = to_unix_ms(clock_.now());  // the clock the deliveries' times come from
    for (const auto& [name, c] : engine_->counts()) {
        s.sinks.push_back(metrics::sink_snapshot{
            name, c.delivered, c.retried, c.dead, c.held,
            c.oldest_received > 0 ? static_cast<double>(now - c.oldest_received) / 1000.0 : 0.0});
    }
    return metrics::get().scrape(s);
}

service::~service() {
    if (!stopped_) {
        server_->stop();
        if (metrics_server_) {
            metrics_server_->stop();
        }
    }
    // Order matters: the committer's callbacks reach the inbox and post to the
    // (stopped, still alive) io_context, so it stops before anything they touch goes.
    workers_.reset();
    if (durable_) {
        durable_->stop();
    }
    engine_->stop(std::chrono::milliseconds(0));
    if (committer_) {
        committer_->stop();
    }
}

void service::start() {
    engine_->start(routes_->get());
    if (durable_) {
        durable_->start();  // dispatches what a previous run left pending
    }
    workers_->start();
    server_->start();
    if (metrics_server_) {
        metrics_server_->start();
    }
}

shutdown_report service::shutdown() {
    shutdown_report r;
    ingest_->begin_draining();
    server_->begin_drain();
    // In-flight requests (including those waiting for their commit) get as long
    // as a request may take to arrive.
    r.requests_drained = server_->wait_idle(cfg_.limits.request_timeout);
    server_->stop();
    if (metrics_server_) {
        metrics_server_->stop();
    }
    stopped_ = true;
    r.events = workers_->stop(cfg_.drain_timeout);
    r.processed = workers_->processed();
    r.failed = workers_->failed();
    if (durable_) {
        durable_->stop();
    }
    // Attempts in flight get the same deadline as the workers; what is left stays
    // pending on disk (sqlite) for the next start.
    engine_->stop(cfg_.drain_timeout);
    if (committer_) {
        committer_->stop();  // records the outcomes the workers just reported
        r.commits = committer_->commits();
        r.ops_committed = committer_->ops_committed();
    }
    return r;
}

std::vector<std::string> service::reload(const config& fresh) {
    auto r = std::make_shared<const route::router>(fresh.routing);  // throws config_error
    // A renewed certificate at the same paths; one that does not load refuses
    // the whole reload before anything is swapped.
    if (server_) {
        try {
            server_->reload_tls();
        } catch (const std::runtime_error& e) {
            throw config_error(e.what());
        }
    }
    routes_->set(r);
    engine_->reload(std::move(r));
    if (server_) {
        server_->reload_security(fresh);
    }
    // What SIGHUP applies; any other key that changed needs a restart.
    static const std::set<std::string> reloaded{"sinks",           "routes", "auth",
                                                "trusted_proxies", "allow",  "rate_limit"};
    std::vector<std::string> restart;
    auto now = to_json(cfg_);
    auto next = to_json(fresh);
    for (const auto& [key, value] : next.items()) {
        if (reloaded.count(key) == 0 && now[key] != value) {
            restart.push_back(key);
        }
    }
    cfg_.routing = fresh.routing;
    return restart;
}

void service::reopen() {
    engine_->reopen();
}

}  // namespace solarhook::app
