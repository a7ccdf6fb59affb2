#include "solarhook/app/service.hpp"

#include "solarhook/log/structured.hpp"

namespace solarhook::app {

service::service(config cfg, std::vector<std::shared_ptr<handler>> handlers, const clock& clk)
    : cfg_(std::move(cfg)),
      dedup_(clk, cfg_.dedup.ttl, cfg_.dedup.max_entries),
      queue_(cfg_.queue_capacity),
      workers_(queue_, std::move(handlers), cfg_.workers),
      ingest_(cfg_, dedup_, queue_, clk),
      endpoint_(cfg_, ingest_),
      server_(cfg_, endpoint_) {}

service::~service() {
    if (!stopped_) {
        server_.stop();
    }
}

void service::start() {
    workers_.start();
    server_.start();
}

shutdown_report service::shutdown() {
    shutdown_report r;
    ingest_.begin_draining();
    server_.begin_drain();
    // In-flight requests get as long as a request may take to arrive.
    r.requests_drained = server_.wait_idle(cfg_.limits.request_timeout);
    server_.stop();
    stopped_ = true;
    r.events = workers_.stop(cfg_.drain_timeout);
    r.processed = workers_.processed();
    r.failed = workers_.failed();
    return r;
}

}  // namespace solarhook::app
