// Realistic sample payloads of every event type, in both payload generations
// (the reference's and the newer docs'), built into the binary for `sinks test`
// (and the operator's smoke tests): what a sink would receive, without the provider.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "solarhook/decode/event.hpp"

namespace solarhook::app {

// The sample's JSON text for `type` (a known type's name) and generation 1 or 2
// (generation 2: customer_created's richer shape; for the others the same object,
// which the newer docs send inside an array). nullopt for an unknown type.
std::optional<std::string> sample_payload(std::string_view type, int generation = 1);
std::vector<std::string> sample_types();

}  // namespace solarhook::app
