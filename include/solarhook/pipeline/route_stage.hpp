// The workers' handler once routes exist: decides each event's sinks with the
// current router, writes the log sink's line right there (it is cheap, and the
// batch's lines share one wait), and leaves the rest as the event's plan for
// the completion hook, which records the deliveries and hands them to the
// delivery engine.
#pragma once

#include <memory>

#include "solarhook/pipeline/handler.hpp"
#include "solarhook/route/router.hpp"

namespace solarhook {

class route_stage final : public handler {
  public:
    // `log` writes the log sink's lines (sinks/log_sink.hpp).
    route_stage(std::shared_ptr<route::router_holder> routes, std::shared_ptr<handler> log)
        : routes_(std::move(routes)), log_(std::move(log)) {}
    std::string_view name() const override { return "route"; }

  protected:
    void handle_(const queued_event& ev) override;
    void flush_() override;

  private:
    std::shared_ptr<route::router_holder> routes_;
    std::shared_ptr<handler> log_;
};

// The key one customer's deliveries are ordered by: its customer id, else the
// project id, else empty (unordered).
std::string order_key_of(const decoded_event& ev);

}  // namespace solarhook
