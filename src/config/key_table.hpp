// A config section kept as one table of rows, each row a dotted key that parses,
// prints and documents itself: applying a JSON value, printing the section in the
// file's shape, and the Markdown table the docs hold are all walks over the rows.
// Private to src/config; config/security.cpp and config/metrics.cpp use it.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "config/read.hpp"

namespace solarhook::config_read {

template <class Section>
struct key_row {
    std::string_view key;  // dotted, e.g. "rate_limit.burst"
    std::string_view meaning;
    std::function<void(Section&, const nlohmann::json&, const std::string&)> parse;
    std::function<nlohmann::json(const Section&)> print;
};

// True when `name` is a row's key or a dotted prefix of one ("auth", "tls", ...).
template <class Section>
bool is_section(const std::vector<key_row<Section>>& rows, std::string_view name) {
    return std::any_of(rows.begin(), rows.end(), [&](const key_row<Section>& r) {
        return r.key == name || (r.key.starts_with(name) && r.key[name.size()] == '.');
    });
}

// Applies `v`, the value at dotted key `at`; throws config_error naming the key.
template <class Section>
void apply_rows(const std::vector<key_row<Section>>& rows, Section& s, const std::string& at,
                const nlohmann::json& v) {
    for (const auto& r : rows) {
        if (r.key == at) {
            return r.parse(s, v, at);
        }
    }
    if (!is_section(rows, at)) {
        fail(at, "unknown key");
    }
    if (!v.is_object()) {
        fail(at, "expected an object");
    }
    for (const auto& [member, value] : v.items()) {
        apply_rows(rows, s, at + "." + member, value);
    }
}

// Top-level key -> value, in the file's shape.
template <class Section>
nlohmann::json rows_to_json(const std::vector<key_row<Section>>& rows, const Section& s) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& r : rows) {
        std::string pointer = "/" + std::string(r.key);
        std::replace(pointer.begin(), pointer.end(), '.', '/');
        out[nlohmann::json::json_pointer(pointer)] = r.print(s);
    }
    return out;
}

// | key | default | meaning |, defaults printed from a default-constructed Section.
template <class Section>
std::string rows_markdown(const std::vector<key_row<Section>>& rows) {
    const Section defaults;
    std::string out = "| key | default | meaning |\n|---|---|---|\n";
    for (const auto& r : rows) {
        out += fmt::format("| `{}` | `{}` | {} |\n", r.key, r.print(defaults).dump(), r.meaning);
    }
    return out;
}

}  // namespace solarhook::config_read
