// Canonical JSON, the form the dedup key hashes and array elements are stored in:
// object members sorted by key bytes (of duplicate keys the last wins), no
// whitespace, strings escaped and numbers printed exactly as nlohmann's dump()
// prints them, so keys stored before the parser changed still match.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "solarhook/core/json_text.hpp"

namespace solarhook {

void append_canonical(std::string& out, const simdjson::dom::element& value);

struct member {
    std::string_view key;
    simdjson::dom::element value;
    // The key's first 16 bytes, big-endian, zero-padded: most comparisons end here.
    std::uint64_t prefix[2];
};

// An object's members in canonical order, duplicates resolved (last wins), into
// `out` (cleared first, so a caller can reuse its capacity). The views live as
// long as the parsed document.
void sorted_members(const simdjson::dom::object& obj, std::vector<member>& out);

// `{"k":v,...}` from sorted members, keeping those whose key `keep` accepts: the
// whole object, or a part of it (the decoder's untyped members).
template <class Keep>
void append_object(std::string& out, const std::vector<member>& members, Keep keep) {
    out += '{';
    bool first = true;
    for (const auto& m : members) {
        if (!keep(m.key)) {
            continue;
        }
        if (!first) {
            out += ',';
        }
        first = false;
        append_json_string(out, m.key);
        out += ':';
        append_canonical(out, m.value);
    }
    out += '}';
}

}  // namespace solarhook
