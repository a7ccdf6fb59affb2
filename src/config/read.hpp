// The config module's readers of JSON values: each checks a value's type and
// range and throws config_error naming the dotted key. Private to src/config.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "solarhook/config/config.hpp"

namespace solarhook::config_read {

[[noreturn]] void fail(const std::string& key, const std::string& what);
std::uint64_t get_uint(const nlohmann::json& v, const std::string& key, std::uint64_t min,
                       std::uint64_t max);
std::string get_string(const nlohmann::json& v, const std::string& key);

template <typename Enum>
Enum get_choice(const nlohmann::json& v, const std::string& key,
                std::initializer_list<std::pair<const char*, Enum>> choices) {
    const auto s = get_string(v, key);
    std::string names;
    for (const auto& [name, value] : choices) {
        if (s == name) {
            return value;
        }
        names += names.empty() ? "" : "|";
        names += name;
    }
    fail(key, fmt::format("expected one of {}, got \"{}\"", names, s));
}

// Resolves ${env:NAME} and ${file:PATH} in `text`; appends each resolved value to
// `secrets` (for masking).
std::string resolve_refs(const std::string& text, const std::string& key,
                         std::vector<std::string>& secrets);
std::vector<std::string> string_list(const nlohmann::json& v, const std::string& key);

// The `retry` object's keys over `base` (the top-level retry, or a sink's default).
retry_config parse_retry(const nlohmann::json& v, const std::string& key, retry_config base);

}  // namespace solarhook::config_read
