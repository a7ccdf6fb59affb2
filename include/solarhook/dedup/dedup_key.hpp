// How an event's dedup key is chosen. The sender sends no event id, so in order:
// a configured delivery-id header if present; else the per-type template from
// config (e.g. "{belongs_to_project}_{activity_type}"); else the SHA-256 of the
// type and the canonical JSON of the event (sorted keys, no whitespace).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "solarhook/decode/event.hpp"

namespace solarhook {

struct key_policy {
    std::map<std::string, std::string> templates;  // event type -> template
};

// Sorted keys, no whitespace, invalid UTF-8 replaced; equal events give equal bytes.
std::string canonical_json(const nlohmann::json& j);

std::array<std::uint8_t, 32> sha256(std::string_view data);
std::string sha256_hex(std::string_view data);

// Substitutes {field} with the object's member (strings verbatim, others as JSON).
// nullopt when a referenced field is absent or the template is malformed.
std::optional<std::string> render_key_template(std::string_view tmpl, const nlohmann::json& obj);

// A delivery id is usable if it is 1..200 visible ASCII characters.
bool usable_delivery_id(std::string_view id) noexcept;

// The key for event `index` of a body holding `count` events. Appends to
// `warnings` when a template could not be applied and the default was used.
std::string event_key(const decoded_event& ev, const key_policy& policy,
                      std::optional<std::string_view> delivery_id, std::size_t index,
                      std::size_t count, std::vector<std::string>& warnings);

}  // namespace solarhook
