#include "solarhook/core/json_text.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

namespace solarhook {
namespace {

std::string nlohmann_form(const std::string& s) {
    return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ours(const std::string& s) {
    std::string out = "x";  // appends, never replaces
    append_json_string(out, s);
    return out.substr(1);
}

TEST(json_text, every_byte_at_every_offset_of_the_word_scan_escapes_as_nlohmann_does) {
    // The plain-string scan reads eight bytes at a time: a special byte must be found
    // in any lane of a word and in the tail after the last word.
    for (std::size_t len = 1; len <= 17; ++len) {
        for (std::size_t at = 0; at < len; ++at) {
            for (int byte = 0; byte < 256; ++byte) {
                std::string s(len, 'a');
                s[at] = static_cast<char>(byte);
                ASSERT_EQ(ours(s), nlohmann_form(s))
                    << "len " << len << " at " << at << " byte " << byte;
            }
        }
    }
}

TEST(json_text, utf8_is_kept_and_broken_utf8_replaced) {
    EXPECT_EQ(ours("caf\xC3\xA9 \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
    EXPECT_EQ(ours("a\xFFz"), "\"a\xEF\xBF\xBDz\"");
    EXPECT_EQ(ours(""), "\"\"");
    EXPECT_EQ(ours("tab\there \"q\" \\"), R"("tab\there \"q\" \\")");
}

TEST(json_text, integers_as_nlohmann_writes_them) {
    std::string out = "x";
    append_int(out, std::numeric_limits<std::int64_t>::min());
    append_int(out, 0);
    append_int(out, std::numeric_limits<std::uint64_t>::max());
    append_int(out, -42);
    append_int(out, 7u);
    EXPECT_EQ(out, "x" + nlohmann::json(std::numeric_limits<std::int64_t>::min()).dump() + "0" +
                       nlohmann::json(std::numeric_limits<std::uint64_t>::max()).dump() + "-427");
}

}  // namespace
}  // namespace solarhook
