// Assembly: builds the dedup store, queue, workers, ingest service, endpoint and
// server from a config and a list of handlers, and runs the shutdown sequence
// in order (stop accepting, answer in-flight requests, drain the queue to a
// deadline). The daemon and the integration tests both use it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "solarhook/config/config.hpp"
#include "solarhook/core/clock.hpp"
#include "solarhook/dedup/memory_dedup_store.hpp"
#include "solarhook/http/server.hpp"
#include "solarhook/http/webhook_endpoint.hpp"
#include "solarhook/ingest/ingest_service.hpp"
#include "solarhook/pipeline/event_queue.hpp"
#include "solarhook/pipeline/worker_pool.hpp"

namespace solarhook::app {

struct shutdown_report {
    bool requests_drained = false;
    drain_report events;
    std::uint64_t processed = 0;
    std::uint64_t failed = 0;
};

class service {
  public:
    service(config cfg, std::vector<std::shared_ptr<handler>> handlers, const clock& clk);
    ~service();

    void start();
    std::uint16_t port() const noexcept { return server_.port(); }
    const config& cfg() const noexcept { return cfg_; }
    shutdown_report shutdown();

    event_queue& queue() noexcept { return queue_; }
    worker_pool& workers() noexcept { return workers_; }
    dedup_store& dedup() noexcept { return dedup_; }
    ingest_service& ingest() noexcept { return ingest_; }

  private:
    config cfg_;
    memory_dedup_store dedup_;
    event_queue queue_;
    worker_pool workers_;
    ingest_service ingest_;
    http::webhook_endpoint endpoint_;
    http::server server_;
    bool stopped_ = false;
};

}  // namespace solarhook::app
