// The request path's whole job, independent of HTTP: decode the body, key each
// event, and hand the batch to the inbox, which marks keys and keeps events
// atomically. `done` runs once the inbox has answered (for the durable inbox:
// after the commit), on whatever thread that is. Never waits on a handler.
// Refused bodies of a known type (422) are quarantined for inspection.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "solarhook/config/config.hpp"
#include "solarhook/core/error.hpp"
#include "solarhook/decode/decoder.hpp"
#include "solarhook/dedup/dedup_key.hpp"
#include "solarhook/inbox/inbox.hpp"

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

using ingest_outcome = std::variant<std::vector<ingested_event>, problem>;

class ingest_service {
  public:
    ingest_service(const config& cfg, inbox& box);

    // `req` need only live until this returns; `done` is called exactly once.
    void ingest(const ingest_request& req, std::function<void(ingest_outcome)> done);

    // False while draining or while the inbox cannot take events.
    bool ready() const;
    // Why not ready ("draining", "store_full", ...); empty when ready.
    std::string not_ready_reason() const;
    void begin_draining() noexcept { draining_ = true; }
    bool draining() const noexcept { return draining_; }

  private:
    decode_limits limits_;
    key_policy keys_;
    unknown_event_policy unknown_;
    inbox& inbox_;
    std::atomic<bool> draining_{false};
};

}  // namespace solarhook
