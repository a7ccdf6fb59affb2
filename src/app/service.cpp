#include "solarhook/app/service.hpp"

#include <filesystem>

#include "solarhook/log/structured.hpp"

namespace solarhook::app {

std::string service::database_path() const {
    return (std::filesystem::path(cfg_.store.data_dir) / "solarhook.db").string();
}

service::service(config cfg, std::vector<std::shared_ptr<handler>> handlers, const clock& clk)
    : cfg_(std::move(cfg)), queue_(cfg_.queue_capacity) {
    inbox* box = nullptr;
    worker_pool::completion on_done;
    if (cfg_.store.kind == store_kind::memory) {
        dedup_ = std::make_unique<memory_dedup_store>(clk, cfg_.dedup.ttl, cfg_.dedup.max_entries);
        memory_ = std::make_unique<memory_inbox>(*dedup_, queue_, clk);
        box = memory_.get();
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
            *writer_, store::group_committer::options{cfg_.store.group_commit_max_batch,
                                                      group_commit_wait(cfg_.store)});
        durable_inbox::options opts;
        opts.dedup_ttl = cfg_.dedup.ttl;
        opts.retry = retry_policy{cfg_.retry.initial, cfg_.retry.max_delay, cfg_.retry.max_attempts,
                                  cfg_.retry.max_age};
        opts.done_retention = cfg_.retention.done;
        opts.quarantine_max_rows = cfg_.retention.quarantine_max_rows;
        opts.quarantine_max_bytes = cfg_.retention.quarantine_max_bytes;
        opts.poll_interval = cfg_.store.dispatch_poll;
        opts.max_disk_bytes = cfg_.store.max_disk_bytes;
        durable_ = std::make_unique<durable_inbox>(
            *committer_,
            std::make_unique<store::event_store>(database_path(), level, cfg_.store.busy_timeout),
            queue_, clk, opts);
        box = durable_.get();
        on_done = [d = durable_.get()](const queued_event& ev, const std::string* error) {
            d->on_processed(ev, error);
        };
    }
    workers_ = std::make_unique<worker_pool>(queue_, std::move(handlers), cfg_.workers,
                                             std::move(on_done));
    ingest_ = std::make_unique<ingest_service>(cfg_, *box);
    endpoint_ = std::make_unique<http::webhook_endpoint>(cfg_, *ingest_);
    server_ = std::make_unique<http::server>(cfg_, *endpoint_);
}

service::~service() {
    if (!stopped_) {
        server_->stop();
    }
    // Order matters: the committer's callbacks reach the inbox and post to the
    // (stopped, still alive) io_context, so it stops before anything they touch goes.
    workers_.reset();
    if (durable_) {
        durable_->stop();
    }
    if (committer_) {
        committer_->stop();
    }
}

void service::start() {
    if (durable_) {
        durable_->start();  // dispatches what a previous run left pending
    }
    workers_->start();
    server_->start();
}

shutdown_report service::shutdown() {
    shutdown_report r;
    ingest_->begin_draining();
    server_->begin_drain();
    // In-flight requests (including those waiting for their commit) get as long
    // as a request may take to arrive.
    r.requests_drained = server_->wait_idle(cfg_.limits.request_timeout);
    server_->stop();
    stopped_ = true;
    r.events = workers_->stop(cfg_.drain_timeout);
    r.processed = workers_->processed();
    r.failed = workers_->failed();
    if (durable_) {
        durable_->stop();
    }
    if (committer_) {
        committer_->stop();  // records the outcomes the workers just reported
        r.commits = committer_->commits();
        r.ops_committed = committer_->ops_committed();
    }
    return r;
}

}  // namespace solarhook::app
