#include "solarhook/core/json_text.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>

namespace solarhook {

namespace {

// Bytes that need nlohmann's care: controls, '"', '\\', and non-ASCII (UTF-8 to check).
constexpr auto k_special = [] {
    std::array<bool, 256> t{};
    for (std::size_t c = 0; c < t.size(); ++c) {
        t[c] = c < 0x20 || c >= 0x7F || c == '"' || c == '\\';
    }
    return t;
}();

// Whether any of the eight bytes in `w` is special. The bit tricks ("Bit Twiddling
// Hacks": hasless, haszero, hasmore) are exact as a yes/no answer.
constexpr bool any_special(std::uint64_t w) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t high = 0x8080808080808080ULL;
    const auto has_zero = [](std::uint64_t x) { return (x - ones) & ~x & high; };
    const std::uint64_t below_space = (w - ones * 0x20) & ~w & high;
    const std::uint64_t above_tilde = ((w + ones) | w) & high;
    return (below_space | above_tilde | has_zero(w ^ (ones * '"')) | has_zero(w ^ (ones * '\\'))) !=
           0;
}

// Eight bytes at a time: strings are most of a log line's and a canonical text's bytes.
bool is_plain(std::string_view s) {
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, s.data() + i, 8);
        if (any_special(w)) {
            return false;
        }
    }
    for (; i < s.size(); ++i) {
        if (k_special[static_cast<unsigned char>(s[i])]) {
            return false;
        }
    }
    return true;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
    if (is_plain(s)) {  // the common case: nothing to escape, no json value needed
        out += '"';
        out += s;
        out += '"';
        return;
    }
    // The rare string with something to escape: nlohmann's own escaping, through
    // its public dump (one temporary string).
    out += nlohmann::json(std::string(s))
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace solarhook
