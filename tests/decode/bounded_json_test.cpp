#include "solarhook/decode/bounded_json.hpp"

#include <gtest/gtest.h>

namespace solarhook {
namespace {

errc code_of(const std::variant<simdjson::dom::element, problem>& r) {
    return std::get<problem>(r).code;
}

TEST(bounded_json, depth_counts_only_structure_outside_strings) {
    EXPECT_EQ(nesting_depth(R"({"a":[1,{"b":2}]})", 100), 3u);
    EXPECT_EQ(nesting_depth(R"({"a":"[[[[{{{{\"[["})", 100), 1u);
    EXPECT_EQ(nesting_depth("42", 100), 0u);
}

TEST(bounded_json, nesting_deeper_than_the_limit_is_refused_before_parsing) {
    const std::string deep32 = std::string(31, '[') + "{}" + std::string(31, ']');
    EXPECT_TRUE(std::holds_alternative<simdjson::dom::element>(parse_bounded(deep32, 1 << 20, 32)));
    const std::string deep33 = "[" + deep32 + "]";
    EXPECT_EQ(code_of(parse_bounded(deep33, 1 << 20, 32)), errc::too_deep);
    // A deep bomb far beyond any stack stays cheap and refused.
    const std::string bomb(1 << 20, '[');
    EXPECT_EQ(code_of(parse_bounded(bomb, 2 << 20, 32)), errc::too_deep);
}

TEST(bounded_json, empty_and_oversized_bodies) {
    EXPECT_EQ(code_of(parse_bounded("", 100, 32)), errc::empty_body);
    EXPECT_EQ(code_of(parse_bounded(" \r\n\t", 100, 32)), errc::empty_body);
    EXPECT_EQ(code_of(parse_bounded(std::string(101, ' '), 100, 32)), errc::body_too_large);
}

TEST(bounded_json, malformed_json_says_where) {
    auto r = parse_bounded(R"({"a": 1,})", 100, 32);
    const auto& p = std::get<problem>(r);
    EXPECT_EQ(p.code, errc::malformed_json);
    EXPECT_NE(p.message.find("line 1, column 9"), std::string::npos) << p.message;
    EXPECT_EQ(p.details[0]["byte"], 9);
}

TEST(bounded_json, what_only_nlohmann_accepts_still_parses) {
    // Integers past 64 bits become doubles; a byte-order mark is skipped.
    auto r = parse_bounded(R"({"id": 123456789012345678901234567890})", 100, 32);
    ASSERT_TRUE(std::holds_alternative<simdjson::dom::element>(r));
    EXPECT_TRUE(std::get<simdjson::dom::element>(r)["id"].is_double());
    r = parse_bounded("\xEF\xBB\xBF{\"a\":1}", 100, 32);
    ASSERT_TRUE(std::holds_alternative<simdjson::dom::element>(r));
    EXPECT_EQ(std::get<simdjson::dom::element>(r)["a"].get_int64().value(), 1);
}

TEST(bounded_json, invalid_utf8_is_malformed_not_a_crash) {
    auto r = parse_bounded("{\"a\":\"\xff\xfe\"}", 100, 32);
    const auto& p = std::get<problem>(r);
    EXPECT_EQ(p.code, errc::malformed_json);
    EXPECT_NE(p.message.find("UTF-8"), std::string::npos) << p.message;
}

}  // namespace
}  // namespace solarhook
