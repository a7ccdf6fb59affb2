// Body -> typed events. Decides each event's type from the URL's type segment
// when given, else from the payload's shape; decodes both provider generations
// and the array form. Tolerant where the provider may drift (digit-string ids,
// extra fields, undocumented enum values become warnings), strict where meaning
// would be lost (a missing or non-integer identifier is an invalid_event problem).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "solarhook/core/error.hpp"
#include "solarhook/decode/event.hpp"

namespace solarhook {

struct decode_limits {
    std::size_t max_bytes = 64 * 1024;
    std::size_t max_depth = 32;
    std::size_t max_events = 100;
};

using decode_result = std::variant<std::vector<decoded_event>, problem>;

// True for a syntactically acceptable type segment: [a-z0-9_], 1..64 chars.
bool valid_type_segment(std::string_view s) noexcept;

// One event object given as JSON text (a stored journal row); `url_type` is the
// URL's type segment, if any.
std::variant<decoded_event, problem> decode_object(std::string_view object_json,
                                                   std::optional<std::string_view> url_type,
                                                   const decode_limits& limits = {});

// A whole body: one object, or an array of objects each decoded on its own. Any
// element's problem fails the whole body (details carry its index).
decode_result decode_body(std::string_view body, std::optional<std::string_view> url_type,
                          const decode_limits& limits);

}  // namespace solarhook
