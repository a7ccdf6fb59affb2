// The non-durable inbox: dedup marks in a dedup_store, events straight onto the
// worker queue. Queue slots are reserved before any key is marked, so a full
// queue refuses the whole body with no mark left behind. An unclassified event
// is marked and quarantined (logged, not kept), as the durable store does. A
// crash loses what is queued; `--store memory` is for tests, benchmarks and
// throwaway setups.
#pragma once

#include <functional>

#include "solarhook/core/clock.hpp"
#include "solarhook/dedup/dedup_store.hpp"
#include "solarhook/inbox/inbox.hpp"
#include "solarhook/pipeline/event_queue.hpp"

namespace solarhook {

class memory_inbox final : public inbox {
  public:
    memory_inbox(dedup_store& dedup, event_queue& queue, const clock& clk)
        : dedup_(dedup), queue_(queue), clock_(clk) {}
    void store(std::vector<inbox_entry> entries, std::string request_id,
               std::function<void(inbox_outcome)> done) override;
    void quarantine(std::string, std::string, std::string, std::string) override {}
    bool ready() const override { return !queue_.full(); }
    std::string not_ready_reason() const override { return ready() ? "" : "queue_full"; }

    // Whether some route takes an unclassified event (see durable_inbox::options).
    void set_routes_unclassified(std::function<bool(const decoded_event&)> f) {
        routes_unclassified_ = std::move(f);
    }

  private:
    std::function<bool(const decoded_event&)> routes_unclassified_;
    dedup_store& dedup_;
    event_queue& queue_;
    const clock& clock_;
};

}  // namespace solarhook
