#include "solarhook/decode/normalized.hpp"

#include <gtest/gtest.h>

#include "solarhook/decode/decoder.hpp"
#include "support/test_service.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;

decoded_event decode_one(const std::string& body) {
    auto r = decode_body(body, std::nullopt, decode_limits{});
    auto& events = std::get<std::vector<decoded_event>>(r);
    return std::move(events.at(0));
}

const event_meta k_meta{"k1", 42, from_unix_ms(1'700'000'000'123), "req-1"};

TEST(normalized, both_generations_of_customer_created_give_the_same_names) {
    const auto v1 = normalize(decode_one(test::read_sample("customer_created.json")), k_meta);
    const auto v2 = normalize(decode_one(test::read_sample("v2/customer_created.json")), k_meta);
    EXPECT_EQ(v1["customer_id"], 12345);
    EXPECT_EQ(v2["customer_id"], 141472);
    EXPECT_EQ(v1["user_id"], 67890);
    EXPECT_EQ(v2["user_id"], 16);
    EXPECT_EQ(v1["customer_status"], 1);
    EXPECT_EQ(v1["customer_status_name"], "New Contacts");
    EXPECT_EQ(v2["customer_status_name"], "New Contacts");
    EXPECT_EQ(v1["customer_type"], "RESIDENTIAL");
    EXPECT_TRUE(v2["customer_type"].is_null());
    EXPECT_EQ(v2["customer_type_id"], 1);
    EXPECT_EQ(v1["generation"], 1);
    EXPECT_EQ(v2["generation"], 2);
    EXPECT_TRUE(v1["first_name"].is_null());
    EXPECT_EQ(v2["first_name"], "Hussain");
    EXPECT_EQ(v2["created_at"], "2025-10-16T12:00:00Z");
    // The same members in both: each type's table, whatever the payload carried.
    for (const auto& [k, v] : v1.items()) {
        EXPECT_TRUE(v2.contains(k)) << k;
    }
    EXPECT_EQ(v1.size(), v2.size());
    EXPECT_EQ(v2["raw"]["company_name_full"], "Solar Proof");
}

TEST(normalized, carries_the_meta_fields) {
    const auto n = normalize(decode_one(test::read_sample("project_sms_sent.json")), k_meta);
    EXPECT_EQ(n["type"], "project_sms_sent");
    EXPECT_EQ(n["key"], "k1");
    EXPECT_EQ(n["id"], 42);
    EXPECT_EQ(n["request_id"], "req-1");
    EXPECT_EQ(n["received_at"], "2023-11-14T22:13:20.123000Z");
    EXPECT_EQ(n["project_id"], 54321);
    EXPECT_EQ(n["activity_type"], "sms_sent");
}

TEST(normalized, statuses_resolve_their_names_and_ids_their_digit_strings) {
    const auto n = normalize(
        decode_one(R"({"customer_id":"77","old_status":1,"new_status":2,"status_name":"x"})"),
        k_meta);
    EXPECT_EQ(n["customer_id"], 77);
    EXPECT_EQ(n["generation"], 2);
    EXPECT_EQ(n["old_status_name"], "New Contacts");
    EXPECT_EQ(n["new_status_name"], "Signed");
    EXPECT_EQ(n["status_name"], "x");
    const auto odd =
        normalize(decode_one(R"({"pkcustomerid":1,"new_status":9,"customer_name":5})"), k_meta);
    EXPECT_EQ(odd["new_status"], 9);
    EXPECT_TRUE(odd["new_status_name"].is_null());
    EXPECT_TRUE(odd["customer_name"].is_null()) << "a wrong type stays in raw only";
    EXPECT_EQ(odd["raw"]["customer_name"], 5);
}

TEST(normalized, an_unclassified_event_has_meta_and_raw_only) {
    auto r = decode_body(R"({"x":1})", std::string_view("contract_signed"), decode_limits{});
    const auto n = normalize(std::get<std::vector<decoded_event>>(r).at(0), k_meta);
    EXPECT_EQ(n["type"], "contract_signed");
    EXPECT_EQ(n["raw"], json({{"x", 1}}));
    EXPECT_EQ(n.size(), 7u);
}

TEST(normalized, fields_are_found_by_template_name) {
    const auto n = normalize(decode_one(test::read_sample("customer_status_change.json")), k_meta);
    ASSERT_NE(normalized_field(n, "new_status"), nullptr);
    EXPECT_EQ(*normalized_field(n, "new_status"), 2);
    ASSERT_NE(normalized_field(n, "raw.pkcustomerid"), nullptr);
    EXPECT_EQ(*normalized_field(n, "raw.pkcustomerid"), 12345);
    EXPECT_EQ(normalized_field(n, "raw.nothing"), nullptr);
    EXPECT_EQ(normalized_field(n, "nothing"), nullptr);
}

TEST(normalized, damaged_text_throws_a_json_exception) {
    EXPECT_THROW(normalize(event_type::unclassified, "x", "{", k_meta), json::exception);
}

}  // namespace
}  // namespace solarhook
