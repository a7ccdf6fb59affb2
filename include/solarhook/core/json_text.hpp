// Writing JSON text by hand where building an nlohmann value first would cost
// more than the rest of the work (the per-request answer and log lines). Strings
// are escaped exactly as nlohmann's dump does, invalid UTF-8 replaced (U+FFFD).
#pragma once

#include <charconv>
#include <concepts>
#include <string>
#include <string_view>

namespace solarhook {

// Appends `s` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view s);

// Appends `n` in decimal: std::to_chars into a stack buffer, then one append.
// fmt through a back_inserter pushed one char at a time (~480 instructions).
template <std::integral Int>
void append_int(std::string& out, Int n) {
    char buf[24];  // the longest 64-bit value, with its sign, is 20 characters
    out.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}

}  // namespace solarhook
