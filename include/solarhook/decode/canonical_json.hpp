// Canonical JSON, the form the dedup key hashes and array elements are stored in:
// object members sorted by key bytes (of duplicate keys the last wins), no
// whitespace, strings escaped and numbers printed exactly as nlohmann's dump()
// prints them, so keys stored before the parser changed still match.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace solarhook {

void append_canonical(std::string& out, const simdjson::dom::element& value);

// An object's members in canonical order, duplicates resolved (last wins), into
// `out` (cleared first, so a caller can reuse its capacity). The views live as
// long as the parsed document.
struct member {
    std::string_view key;
    simdjson::dom::element value;
    // The key's first 16 bytes, big-endian, zero-padded: most comparisons end here.
    std::uint64_t prefix[2];
};
void sorted_members(const simdjson::dom::object& obj, std::vector<member>& out);
// The order of sorted_members: byte-wise, as std::string_view's operator<. Inline
// and without memcmp: field names are short and this is most of a lookup's cost.
inline bool key_less(std::string_view a, std::string_view b) noexcept {
    const std::size_t n = a.size() < b.size() ? a.size() : b.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (a[i] != b[i]) {
            return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
        }
    }
    return a.size() < b.size();
}

// JSON text -> canonical text; nullopt if the text is not JSON. Uses its own
// per-thread parser, so it never disturbs a document the caller holds.
std::optional<std::string> canonical_json(std::string_view json_text);

}  // namespace solarhook
