// The normalized event: one JSON object per event, the same shape for both
// payload generations, built from the field table (event_fields.hpp). It is what
// the file sink writes, what an exec sink reads on stdin, the default HTTP body,
// and what templates read. Every typed field of the type is present (null when
// the payload lacks it); `raw` is the event object as received.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "solarhook/core/clock.hpp"
#include "solarhook/decode/event.hpp"

namespace solarhook {

struct event_meta {
    std::string_view key;
    std::int64_t id = 0;  // the store's row id; 0 with the memory store
    clock::time_point received_at{};
    std::string_view request_id;
};

// Built from `raw_json`, the event object's text (canonical or as received).
// Throws nlohmann::json::exception if that text is not JSON (a damaged row).
nlohmann::json normalize(event_type type, std::string_view type_label, std::string_view raw_json,
                         const event_meta& meta);
nlohmann::json normalize(const decoded_event& ev, const event_meta& meta);

// A field of a normalized event by its template name: a top-level member, or
// `raw.<member>` (one level: the provider's payloads are flat); null if absent.
const nlohmann::json* normalized_field(const nlohmann::json& normalized, std::string_view name);

}  // namespace solarhook
