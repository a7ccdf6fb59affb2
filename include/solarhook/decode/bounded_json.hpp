// JSON parsing for untrusted bodies: size and nesting depth are bounded before any
// recursion can happen. simdjson parses (a tenth of nlohmann's time on the
// samples); a body it rejects is handed to nlohmann, whose error names the byte
// where parsing failed, and whose wider number range (integers past 64 bits
// become doubles) keeps such bodies decodable as they were before.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string_view>
#include <variant>

#include "solarhook/core/error.hpp"

namespace solarhook {

// Deepest nesting of [ and { outside strings; stops counting past `stop_at`.
std::size_t nesting_depth(std::string_view text, std::size_t stop_at) noexcept;

// The document lives in this thread's parser: valid until the thread's next call.
std::variant<simdjson::dom::element, problem> parse_bounded(std::string_view body,
                                                            std::size_t max_bytes,
                                                            std::size_t max_depth);

}  // namespace solarhook
