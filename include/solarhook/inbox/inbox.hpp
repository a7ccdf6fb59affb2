// Where a request's decoded, keyed events are kept until a worker has handled
// them. store() marks each key and keeps each new event atomically, then calls
// `done` (on any thread, possibly before returning) with one result per event
// or a problem; only after `done` may the request be answered. Two kinds: in
// memory (lost on a crash) and durable (on disk before `done`).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "solarhook/core/error.hpp"
#include "solarhook/decode/event.hpp"

namespace solarhook {

struct inbox_entry {
    decoded_event event;
    std::string key;
    // The event object's text as received, when the body was that one object;
    // empty otherwise. Valid only during store(): a durable inbox keeps it instead
    // of serialising event.raw again (a sixth of a request's instructions).
    std::string_view raw_text{};
    // An unclassified event some route takes: pending, not quarantined (the inbox sets it).
    bool routable = false;
};

enum class store_result { stored, duplicate };
using inbox_outcome = std::variant<std::vector<store_result>, problem>;

class inbox {
  public:
    virtual ~inbox() = default;
    virtual void store(std::vector<inbox_entry> entries, std::string request_id,
                       std::function<void(inbox_outcome)> done) = 0;
    // Keeps a refused body (422) so an operator can inspect it; best effort.
    virtual void quarantine(std::string type, std::string body, std::string reason,
                            std::string request_id) = 0;
    // False while new events could not be kept (queue full, store failing, store
    // at its size limit).
    virtual bool ready() const = 0;
    // Why not ready, for /readyz; empty when ready.
    virtual std::string not_ready_reason() const { return ready() ? "" : "not_ready"; }
};

}  // namespace solarhook
