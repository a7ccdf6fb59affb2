// JSON parsing for untrusted bodies: size and nesting depth are bounded before
// nlohmann sees the bytes (its recursive parser has no depth limit of its own),
// and every json::exception becomes a problem that says where parsing failed.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>
#include <variant>

#include "solarhook/core/error.hpp"

namespace solarhook {

// Deepest nesting of [ and { outside strings; stops counting past `stop_at`.
std::size_t nesting_depth(std::string_view text, std::size_t stop_at) noexcept;

std::variant<nlohmann::json, problem> parse_bounded(std::string_view body, std::size_t max_bytes,
                                                    std::size_t max_depth);

}  // namespace solarhook
