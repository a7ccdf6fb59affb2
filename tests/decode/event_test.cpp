#include "solarhook/decode/event.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "solarhook/decode/decoder.hpp"
#include "support/test_service.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;

TEST(event, typed_json_is_sorted_one_line_json_like_nlohmanns_dump) {
    customer_created full;
    full.generation = 2;
    full.customer_id = 7;
    full.user_id = 16;
    full.customer_email = "a@b.c";
    full.customer_name = "Zoë \"Z\" Smith";
    full.type = customer_type::other;
    full.type_raw = "AGRI";
    full.type_id = 3;
    full.status = customer_status::signed_up;
    full.customer_uid = "u1";
    full.first_name = "Zoë";
    full.surname = "Smith";
    full.phone_primary = "04";
    full.site_address = "1 Main St";
    full.created_at = "2025-10-16T12:00:00Z";
    full.assigned_user_name = "Chris";
    full.assigned_user_email = "c@d.e";
    std::vector<event_data> cases{full, unclassified_event{}};
    for (const char* file :
         {"customer_created.json", "customer_status_change.json", "project_email_sent.json",
          "project_sms_sent.json", "published_proposal_link.json", "recent_draft_project.json",
          "v2/customer_created.json"}) {
        auto r = decode_body(test::read_sample(file), std::nullopt, decode_limits{});
        cases.push_back(std::get<std::vector<decoded_event>>(r).at(0).data);
    }
    for (const auto& data : cases) {
        const std::string text = typed_json(data);
        EXPECT_EQ(text, json::parse(text).dump()) << text;  // sorted keys, nlohmann's form
    }
    const auto j = json::parse(typed_json(full));
    EXPECT_EQ(j.size(), 16u);
    EXPECT_EQ(j["customer_type"], "AGRI");
    EXPECT_EQ(j["customer_status_id"], 2);
    EXPECT_EQ(j["customer_status_label"], "Signed");
    EXPECT_EQ(j["customer_name"], "Zoë \"Z\" Smith");
    EXPECT_EQ(typed_json(unclassified_event{}), "{}");
}

TEST(event, typed_json_uses_the_senders_names_per_generation) {
    customer_status_change c;
    c.customer_id = 12345;
    c.new_status = customer_status::signed_up;
    c.old_status = customer_status::new_contacts;
    EXPECT_EQ(typed_json(c), R"({"new_status":2,"old_status":1,"pkcustomerid":12345})");
    recent_draft_project d;
    d.project_id = 9;
    d.quote_nickname = "roof";
    EXPECT_EQ(typed_json(d), R"({"pkcustomerquotationid":9,"quotenickname":"roof"})");
}

}  // namespace
}  // namespace solarhook
