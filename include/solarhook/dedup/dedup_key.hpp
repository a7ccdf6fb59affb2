// How an event's dedup key is chosen. The sender sends no event id, so in order:
// a configured delivery-id header if present; else the per-type template from
// config (e.g. "{belongs_to_project}_{activity_type}"); else the SHA-256 of the
// type and the event's canonical JSON (decode/canonical_json.hpp), which the
// decoder has already written.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "solarhook/decode/event.hpp"

namespace solarhook {

struct key_policy {
    std::map<std::string, std::string> templates;  // event type -> template
};

std::array<std::uint8_t, 32> sha256(std::string_view data);
// The digest of the parts one after another, as if joined first (without joining).
std::array<std::uint8_t, 32> sha256(std::initializer_list<std::string_view> parts);
std::string sha256_hex(std::string_view data);
std::string sha256_hex(std::initializer_list<std::string_view> parts);

// Substitutes {field} with the member of the JSON object `object_json` (strings
// verbatim, others as canonical JSON). nullopt when a referenced field is absent
// or null, the template is malformed, or the text is not a JSON object.
std::optional<std::string> render_key_template(std::string_view tmpl, std::string_view object_json);

// A delivery id is usable if it is 1..200 visible ASCII characters.
bool usable_delivery_id(std::string_view id) noexcept;

// The key for event `index` of a body holding `count` events. Appends to
// `warnings` when a template could not be applied and the default was used.
std::string event_key(const decoded_event& ev, const key_policy& policy,
                      std::optional<std::string_view> delivery_id, std::size_t index,
                      std::size_t count, std::vector<std::string>& warnings);

}  // namespace solarhook
