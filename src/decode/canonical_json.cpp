#include "solarhook/decode/canonical_json.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace solarhook {
namespace {

// Bytes [at, at + 8) of `key` as a big-endian integer, zero-padded past its end.
std::uint64_t prefix_word(std::string_view key, std::size_t at) {
    std::uint64_t w = 0;
    for (std::size_t i = at; i < at + 8; ++i) {
        w = (w << 8) | (i < key.size() ? static_cast<unsigned char>(key[i]) : 0U);
    }
    return w;
}

// Byte-wise, as std::string_view's operator<, without a memcmp call: field names
// are short, and the prefixes above settle most comparisons before this runs.
bool key_less(std::string_view a, std::string_view b) noexcept {
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
        if (a[i] != b[i]) {
            return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
        }
    }
    return a.size() < b.size();
}

}  // namespace

void sorted_members(const simdjson::dom::object& obj, std::vector<member>& out) {
    out.clear();
    for (const auto field : obj) {
        out.push_back(
            member{field.key, field.value, {prefix_word(field.key, 0), prefix_word(field.key, 8)}});
    }
    // Zero padding sorts a key before any longer key it is a prefix of, so equal
    // prefixes are the only case that needs the bytes.
    const auto by_key = [](const member& a, const member& b) {
        if (a.prefix[0] != b.prefix[0]) {
            return a.prefix[0] < b.prefix[0];
        }
        if (a.prefix[1] != b.prefix[1]) {
            return a.prefix[1] < b.prefix[1];
        }
        return key_less(a.key, b.key);
    };
    if (out.size() <= 32) {
        // Insertion sort: stable, no allocation, and fastest at the sizes events have.
        for (std::size_t i = 1; i < out.size(); ++i) {
            for (std::size_t j = i; j > 0 && by_key(out[j], out[j - 1]); --j) {
                std::swap(out[j], out[j - 1]);
            }
        }
    } else {
        std::stable_sort(out.begin(), out.end(), by_key);
    }
    // nlohmann kept the last of duplicate keys; so does the key, or it would change.
    std::size_t kept = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (i + 1 < out.size() && out[i + 1].key == out[i].key) {
            continue;
        }
        out[kept++] = out[i];
    }
    out.resize(kept);
}

void append_canonical(std::string& out, const simdjson::dom::element& value) {
    using simdjson::dom::element_type;
    switch (value.type()) {
        case element_type::OBJECT: {
            std::vector<member> members;
            sorted_members(value.get_object().value_unsafe(), members);
            append_object(out, members, [](std::string_view) { return true; });
            return;
        }
        case element_type::ARRAY: {
            out += '[';
            bool first = true;
            const simdjson::dom::array items = value.get_array().value_unsafe();
            for (const auto item : items) {
                if (!first) {
                    out += ',';
                }
                first = false;
                append_canonical(out, item);
            }
            out += ']';
            return;
        }
        case element_type::STRING:
            append_json_string(out, value.get_string().value_unsafe());
            return;
        case element_type::INT64:
            append_int(out, value.get_int64().value_unsafe());
            return;
        case element_type::UINT64:
            append_int(out, value.get_uint64().value_unsafe());
            return;
        case element_type::DOUBLE:
            // nlohmann's shortest round-trip form ("1.0", "1e+20"): rare in events, so
            // borrowed rather than re-implemented.
            out += nlohmann::json(value.get_double().value_unsafe()).dump();
            return;
        case element_type::BOOL:
            out += value.get_bool().value_unsafe() ? "true" : "false";
            return;
        case element_type::NULL_VALUE:
            out += "null";
            return;
    }
}

}  // namespace solarhook
