#include "solarhook/dedup/dedup_key.hpp"

#include <gtest/gtest.h>

#include "solarhook/decode/decoder.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;

decoded_event decode_one(const std::string& body) {
    auto r = decode_body(body, std::nullopt, decode_limits{});
    return std::get<std::vector<decoded_event>>(r).at(0);
}

TEST(dedup_key, sha256_matches_the_standard_vector) {
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(dedup_key, hashing_in_parts_equals_hashing_the_joined_text) {
    EXPECT_EQ(sha256_hex({"a", "", "bc"}), sha256_hex("abc"));
    EXPECT_EQ(sha256({}), sha256(""));
}

TEST(dedup_key, the_content_key_is_the_hash_of_type_newline_canonical_json) {
    // Keys already stored must keep matching re-deliveries after an upgrade, so the
    // key's material is fixed: the type label, a newline, the canonical JSON.
    key_policy policy;
    std::vector<std::string> warnings;
    const auto ev = decode_one(R"({"pkcustomerquotationid":1,"fkuserid":2,"quotenickname":"x"})");
    EXPECT_EQ(event_key(ev, policy, std::nullopt, 0, 1, warnings),
              sha256_hex(ev.type_label + "\n" + ev.canonical));
    EXPECT_EQ(event_key(ev, policy, std::nullopt, 0, 1, warnings),
              "edde44af931eecbb6bffc5dab453c84f2b7edbb1a32a8c7d36459fc70eeacbc7");
}

TEST(dedup_key, canonical_json_sorts_keys_and_drops_whitespace) {
    // Nested objects are sorted too: the key hashes the decoder's canonical text.
    EXPECT_EQ(decode_one(R"({ "b" : 1, "a" : [ 1, {"d":null, "c":"x"} ] })").canonical,
              R"({"a":[1,{"c":"x","d":null}],"b":1})");
}

TEST(dedup_key, exact_redelivery_gets_the_same_key_and_another_event_does_not) {
    key_policy policy;
    std::vector<std::string> warnings;
    const auto a = decode_one(R"({"pkcustomerquotationid":1,"fkuserid":2,"quotenickname":"x"})");
    const auto a_reordered =
        decode_one(R"({ "quotenickname":"x", "fkuserid":2, "pkcustomerquotationid":1 })");
    const auto b = decode_one(R"({"pkcustomerquotationid":1,"fkuserid":2,"quotenickname":"y"})");
    const auto ka = event_key(a, policy, std::nullopt, 0, 1, warnings);
    EXPECT_EQ(ka.size(), 64u);
    EXPECT_EQ(ka, event_key(a_reordered, policy, std::nullopt, 0, 1, warnings));
    EXPECT_NE(ka, event_key(b, policy, std::nullopt, 0, 1, warnings));
    EXPECT_TRUE(warnings.empty());
}

TEST(dedup_key, the_type_is_part_of_the_default_key) {
    key_policy policy;
    std::vector<std::string> w;
    auto a = decode_one(R"({"x":1})");
    auto b = a;
    b.type_label = "contract_signed";
    EXPECT_NE(event_key(a, policy, std::nullopt, 0, 1, w),
              event_key(b, policy, std::nullopt, 0, 1, w));
}

TEST(dedup_key, template_from_config_is_used_per_type) {
    key_policy policy{{{"project_email_sent", "{belongs_to_project}_{activity_type}"}}};
    std::vector<std::string> w;
    const auto ev = decode_one(
        R"({"belongs_to_customer":1,"belongs_to_user":2,"activity_type":"email_sent","belongs_to_project":54321})");
    EXPECT_EQ(event_key(ev, policy, std::nullopt, 0, 1, w), "project_email_sent:54321_email_sent");
    EXPECT_TRUE(w.empty());
}

TEST(dedup_key, template_with_a_missing_field_falls_back_to_the_hash_and_warns) {
    key_policy policy{{{"recent_draft_project", "{pkcustomerquotationid}_{nope}"}}};
    std::vector<std::string> w;
    const auto ev = decode_one(R"({"pkcustomerquotationid":1})");
    EXPECT_EQ(event_key(ev, policy, std::nullopt, 0, 1, w).size(), 64u);
    ASSERT_EQ(w.size(), 1u);
    EXPECT_FALSE(render_key_template("{unterminated", R"({"unterminated":1})").has_value());
    EXPECT_FALSE(render_key_template("{a}", R"({"a":null})").has_value());
    EXPECT_FALSE(render_key_template("{a}", "[1]").has_value());
    EXPECT_EQ(render_key_template("p{a}-{b}s", R"({"a":1,"b":"x"})"), "p1-xs");
    EXPECT_EQ(render_key_template("{o}", R"({"o":{"z":1,"y":[true]}})"), R"({"y":[true],"z":1})");
}

TEST(dedup_key, delivery_id_header_wins_when_usable) {
    key_policy policy{{{"recent_draft_project", "{pkcustomerquotationid}"}}};
    std::vector<std::string> w;
    const auto ev = decode_one(R"({"pkcustomerquotationid":1})");
    EXPECT_EQ(event_key(ev, policy, std::string_view("msg_123"), 0, 1, w), "id:msg_123");
    EXPECT_EQ(event_key(ev, policy, std::string_view("msg_123"), 2, 3, w), "id:msg_123#2");
    // Unusable ids (empty, spaces, too long) fall through to the next rule.
    EXPECT_EQ(event_key(ev, policy, std::string_view(""), 0, 1, w), "recent_draft_project:1");
    EXPECT_EQ(event_key(ev, policy, std::string_view("a b"), 0, 1, w), "recent_draft_project:1");
    EXPECT_FALSE(usable_delivery_id(std::string(201, 'a')));
}

}  // namespace
}  // namespace solarhook
