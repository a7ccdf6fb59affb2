#include "solarhook/log/redact.hpp"

#include <gtest/gtest.h>

#include "solarhook/log/structured.hpp"

namespace solarhook::log {
namespace {

using json = nlohmann::json;

TEST(redact, names_and_prefixes_are_replaced_at_any_depth) {
    const redactor r({"customer_email", "phone_*"});
    json j = {{"customer_email", "a@b.c"},
              {"phone_primary", "0400"},
              {"phone", "kept: not phone_"},
              {"nested", {{"list", {{{"customer_email", "x@y.z"}}, 3}}}},
              {"customer_id", 7}};
    r.apply(j);
    EXPECT_EQ(j["customer_email"], "***");
    EXPECT_EQ(j["phone_primary"], "***");
    EXPECT_EQ(j["phone"], "kept: not phone_");
    EXPECT_EQ(j["nested"]["list"][0]["customer_email"], "***");
    EXPECT_EQ(j["customer_id"], 7);
}

TEST(redact, text_without_a_named_field_is_left_alone_without_a_parse) {
    const redactor r({"customer_email"});
    EXPECT_EQ(r.apply_text(R"({"customer_id":1,"note":"x"})"), std::nullopt);
    // A value that merely says the name costs a parse and changes nothing.
    EXPECT_EQ(json::parse(*r.apply_text(R"({"customer_id":1,"note":"customer_email"})")),
              json::parse(R"({"customer_id":1,"note":"customer_email"})"));
    EXPECT_EQ(json::parse(*r.apply_text(R"({"customer_email":"a@b.c","customer_id":1})")),
              json::parse(R"({"customer_email":"***","customer_id":1})"));
    // Malformed text still loses the named value and keeps its shape around it.
    EXPECT_EQ(*r.apply_text(R"({"customer_email": not json)"), R"({"customer_email": "***")");
    // Nested, in arrays, with escapes and braces inside strings, at any depth.
    const std::string tricky =
        R"({"a":"x\"y{","list":[{"customer_email":{"deep":[1,"}"]},"b":2},3],)"
        R"("customer_email":"q\"uote","z":[]})";
    EXPECT_EQ(
        *r.apply_text(tricky),
        R"({"a":"x\"y{","list":[{"customer_email":"***","b":2},3],"customer_email":"***","z":[]})");
    EXPECT_EQ(json::parse(*r.apply_text(tricky))["list"][0]["b"], 2);
}

TEST(redact, every_kind_of_log_field_obeys_it) {
    const redactor r({"customer_name", "surname"});
    std::string line;
    line_fields f(line, log_format::json, &r);
    f.str("customer_name", "Jane").str("other", "ok");
    f.json("payload", json{{"surname", "Doe"}, {"id", 1}});
    f.json("surname", "Doe");
    f.json_text("event", R"({"customer_name":"Jane","n":2})");
    f.json_text("customer_name", R"("Jane")");
    EXPECT_EQ(line.find("Jane"), std::string::npos) << line;
    EXPECT_EQ(line.find("Doe"), std::string::npos) << line;
    EXPECT_NE(line.find("\"ok\""), std::string::npos) << line;
    EXPECT_NE(line.find("\"n\":2"), std::string::npos) << line;
}

TEST(redact, an_empty_list_is_off) {
    EXPECT_TRUE(redactor(std::vector<std::string>{}).empty());
    EXPECT_FALSE(redactor(std::vector<std::string>{}).matches("customer_email"));
}

}  // namespace
}  // namespace solarhook::log
