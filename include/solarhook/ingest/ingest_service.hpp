// The request path's whole job, independent of HTTP: decode the body, key each
// event, and — atomically per event — check-and-mark its key and enqueue it.
// Queue slots are reserved before any key is marked, so a full queue refuses the
// whole body with no mark left behind, and a marked key is always enqueued.
// Never waits on a handler.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "solarhook/config/config.hpp"
#include "solarhook/core/clock.hpp"
#include "solarhook/core/error.hpp"
#include "solarhook/decode/decoder.hpp"
#include "solarhook/dedup/dedup_key.hpp"
#include "solarhook/dedup/dedup_store.hpp"
#include "solarhook/pipeline/event_queue.hpp"

namespace solarhook {

struct ingest_request {
    std::string_view body;
    std::optional<std::string_view> url_type;
    std::optional<std::string_view> delivery_id;
    std::string_view request_id;
};

enum class ingest_result { accepted, duplicate, unclassified };
std::string_view result_name(ingest_result r) noexcept;

struct ingested_event {
    std::string type;
    std::string key;
    ingest_result result;
};

class ingest_service {
  public:
    ingest_service(const config& cfg, dedup_store& dedup, event_queue& queue, const clock& clk);

    std::variant<std::vector<ingested_event>, problem> ingest(const ingest_request& req);

    // False while draining or while the queue has no free slot.
    bool ready() const;
    void begin_draining() noexcept { draining_ = true; }
    bool draining() const noexcept { return draining_; }

  private:
    decode_limits limits_;
    key_policy keys_;
    unknown_event_policy unknown_;
    dedup_store& dedup_;
    event_queue& queue_;
    const clock& clock_;
    std::atomic<bool> draining_{false};
};

}  // namespace solarhook
