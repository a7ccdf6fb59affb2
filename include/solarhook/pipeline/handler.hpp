// What workers hand each accepted event to. Sinks (log, and later CRM, Slack,
// scripts, queues) implement handle_(); workers call deliver(), which never
// throws: a failure is caught, logged with the event's key, and counted, so one
// bad handler or event cannot take a worker down.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "solarhook/pipeline/event_queue.hpp"

namespace solarhook {

class handler {
  public:
    virtual ~handler() = default;

    // true when handled; false when the handler threw (already logged and counted),
    // with the exception's text in *error if given.
    bool deliver(const queued_event& ev, std::string* error = nullptr) noexcept;
    // Workers call this after delivering a batch and before reporting any of it
    // done, so a sink that buffers (the log sink) makes the batch durable once
    // per batch instead of once per event. false when that failed (logged,
    // counted, text in *error): the batch's events then count as failed.
    bool flush(std::string* error = nullptr) noexcept;

    virtual std::string_view name() const = 0;
    std::uint64_t failures() const noexcept { return failures_.load(); }

  protected:
    virtual void handle_(const queued_event& ev) = 0;
    virtual void flush_() {}

  private:
    std::atomic<std::uint64_t> failures_{0};
};

}  // namespace solarhook
