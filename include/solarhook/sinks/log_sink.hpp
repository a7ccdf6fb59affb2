// The first sink: one structured log line per processed event,
// {"ts","level":"info","msg":"event","type","key","event":{typed fields}}, plus
// "extra" with the fields the typed struct does not carry, when there are any.
#pragma once

#include <chrono>

#include "solarhook/log/structured.hpp"
#include "solarhook/pipeline/handler.hpp"

namespace solarhook {

class log_sink final : public handler {
  public:
    // nullptr: the process-wide logger at the time of each event. A batch whose
    // lines are not written within `write_timeout` (a reader that stopped reading)
    // fails, and its events are retried.
    explicit log_sink(log::structured_logger* out = nullptr,
                      std::chrono::milliseconds write_timeout = std::chrono::seconds(5))
        : out_(out), write_timeout_(write_timeout) {}
    std::string_view name() const override { return "log"; }

  protected:
    void handle_(const queued_event& ev) override;
    // The event's line must be written before the event counts as done.
    void flush_() override;

  private:
    log::structured_logger* out_;
    std::chrono::milliseconds write_timeout_;
};

}  // namespace solarhook
