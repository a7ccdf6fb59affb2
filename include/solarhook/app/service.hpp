// Assembly: builds the inbox (SQLite journal + group committer + dispatcher, or
// in memory), the worker queue and pool, the ingest service, the endpoint and
// the server from a config and a list of sinks, and runs the shutdown in order
// (stop accepting, answer in-flight requests, drain workers to a deadline,
// record their outcomes, close the store). The daemon and the tests both use it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "solarhook/config/config.hpp"
#include "solarhook/core/clock.hpp"
#include "solarhook/dedup/memory_dedup_store.hpp"
#include "solarhook/deliver/engine.hpp"
#include "solarhook/http/server.hpp"
#include "solarhook/http/webhook_endpoint.hpp"
#include "solarhook/inbox/durable_inbox.hpp"
#include "solarhook/inbox/memory_inbox.hpp"
#include "solarhook/ingest/ingest_service.hpp"
#include "solarhook/pipeline/event_queue.hpp"
#include "solarhook/pipeline/worker_pool.hpp"
#include "solarhook/route/router.hpp"
#include "solarhook/store/dir_lock.hpp"
#include "solarhook/store/event_store.hpp"
#include "solarhook/store/group_committer.hpp"

namespace solarhook::app {

struct shutdown_report {
    bool requests_drained = false;
    drain_report events;
    std::uint64_t processed = 0;
    std::uint64_t failed = 0;
    std::uint64_t commits = 0;        // durable store only
    std::uint64_t ops_committed = 0;  // durable store only
};

class service {
  public:
    // Opens (and migrates) the store; throws store::store_error if it cannot, and
    // config_error if the routes do not build. No handlers: the routing stage,
    // which writes the log sink and hands the rest to the delivery engine.
    service(config cfg, std::vector<std::shared_ptr<handler>> handlers, const clock& clk);
    ~service();

    void start();
    std::uint16_t port() const noexcept { return server_->port(); }
    // The metrics listener's port (metrics.listen), 0 without one.
    std::uint16_t metrics_port() const noexcept {
        return metrics_server_ ? metrics_server_->port() : 0;
    }
    // Runs `beat` every `every` from the listener's io loop (the systemd watchdog).
    void heartbeat(std::chrono::microseconds every, std::function<void()> beat) {
        server_->heartbeat(every, std::move(beat));
    }
    // What GET /metrics answers: the registry plus what the components report now.
    std::string metrics_text();
    const config& cfg() const noexcept { return cfg_; }
    shutdown_report shutdown();
    // Applies `fresh`'s routes and sinks and reloads the TLS certificate (a
    // SIGHUP). Throws config_error and keeps the old ones if they do not build. Returns the keys
    // that differ and need a restart to take effect.
    std::vector<std::string> reload(const config& fresh);
    // Reopens the file sinks' files (a SIGHUP, after logrotate).
    void reopen();
    deliver::engine& deliveries() noexcept { return *engine_; }

    event_queue& queue() noexcept { return queue_; }
    worker_pool& workers() noexcept { return *workers_; }
    ingest_service& ingest() noexcept { return *ingest_; }
    durable_inbox* durable() noexcept { return durable_.get(); }
    store::group_committer* committer() noexcept { return committer_.get(); }
    std::string database_path() const;

  private:
    config cfg_;
    event_queue queue_;
    std::unique_ptr<memory_dedup_store> dedup_;
    std::unique_ptr<memory_inbox> memory_;
    std::unique_ptr<store::dir_lock> dir_lock_;  // before the store, released after it
    std::unique_ptr<store::event_store> writer_;
    std::unique_ptr<store::group_committer> committer_;
    std::unique_ptr<durable_inbox> durable_;
    std::shared_ptr<route::router_holder> routes_;
    std::unique_ptr<deliver::journal> journal_;
    std::unique_ptr<deliver::engine> engine_;  // stopped before the committer, destroyed after
    std::unique_ptr<worker_pool> workers_;
    std::unique_ptr<ingest_service> ingest_;
    std::unique_ptr<http::webhook_endpoint> endpoint_;
    std::unique_ptr<http::server> server_;
    std::unique_ptr<config> metrics_cfg_;  // metrics.listen's: the main config on another address
    std::unique_ptr<http::webhook_endpoint> metrics_endpoint_;
    std::unique_ptr<http::server> metrics_server_;
    bool stopped_ = false;
    const clock& clock_;
};

}  // namespace solarhook::app
