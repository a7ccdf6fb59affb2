#include "solarhook/route/template.hpp"

#include <gtest/gtest.h>

namespace solarhook::route {
namespace {

using json = nlohmann::json;

const json k_event = {{"type", "customer_status_change"},
                      {"customer_id", 12345},
                      {"customer_name", "Jane \"JJ\" O'Neil\n\\ {x} 🎉"},
                      {"new_status", 2},
                      {"customer_email", nullptr},
                      {"raw", {{"pkcustomerid", 12345}, {"company", "Acme & Sons"}}}};

TEST(json_template, a_name_with_quotes_newlines_backslashes_and_emoji_round_trips) {
    const auto t = json_template::compile(
        json::parse(R"({"text":"🎉 {customer_name} signed!","name":"{customer_name}"})"));
    const json out = t.render(k_event);
    const std::string name = k_event["customer_name"];
    const json back = json::parse(out.dump());  // the wire text is valid JSON
    EXPECT_EQ(back["name"], name);
    EXPECT_EQ(back["text"], "🎉 " + name + " signed!");
}

TEST(json_template, a_sole_placeholder_keeps_the_fields_json_type) {
    const auto t = json_template::compile(
        json::parse(R"({"id":"{customer_id}","label":"id {customer_id}","email":"{customer_email}",
                        "missing":"{nothing}","n":[1,"{new_status}",true,null]})"));
    const json out = t.render(k_event);
    EXPECT_EQ(out["id"], 12345);
    EXPECT_EQ(out["label"], "id 12345");
    EXPECT_TRUE(out["email"].is_null());
    EXPECT_TRUE(out["missing"].is_null());
    EXPECT_EQ(out["n"], json::parse(R"([1,2,true,null])"));
}

TEST(json_template, reads_raw_members_and_keeps_literal_braces) {
    const auto t = json_template::compile(json::parse(
        R"({"c":"{raw.company}","b":"{{literal}} {{{customer_id}}}","s":"Solar Proof"})"));
    const json out = t.render(k_event);
    EXPECT_EQ(out["c"], "Acme & Sons");
    EXPECT_EQ(out["b"], "{literal} {12345}");
    EXPECT_EQ(out["s"], "Solar Proof");
}

TEST(json_template, lists_its_placeholders) {
    std::vector<std::string> names;
    json_template::compile(json::parse(R"({"a":["{x} {y}",{"b":"{raw.z}"}],"c":"{{no}}"})"))
        .placeholders(names);
    EXPECT_EQ(names, (std::vector<std::string>{"x", "y", "raw.z"}));
}

TEST(text_template, syntax_errors_name_the_offset_and_the_field_path) {
    EXPECT_THROW(text_template::compile("{unclosed"), template_error);
    EXPECT_THROW(text_template::compile("stray } brace"), template_error);
    EXPECT_THROW(text_template::compile("{}"), template_error);
    EXPECT_THROW(text_template::compile("{a b}"), template_error);
    try {
        json_template::compile(json::parse(R"({"outer":{"list":["ok","{bad"]}})"));
        FAIL();
    } catch (const template_error& e) {
        EXPECT_NE(std::string(e.what()).find("outer.list[1]"), std::string::npos) << e.what();
    }
}

TEST(text_template, url_rendering_percent_encodes_each_value) {
    const auto t =
        text_template::compile("https://h/x/{customer_id}?n={customer_name}&c={raw.company}");
    EXPECT_EQ(t.render(k_event, text_escape::url).substr(0, 27), "https://h/x/12345?n=Jane%20");
    EXPECT_NE(t.render(k_event, text_escape::url).find("c=Acme%20%26%20Sons"), std::string::npos);
    EXPECT_EQ(text_template::compile("/bin/x {type} {nothing}|").render(k_event),
              "/bin/x customer_status_change |");
}

}  // namespace
}  // namespace solarhook::route
