#include "solarhook/decode/event_fields.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace solarhook {
namespace {

TEST(event_fields, docs_events_md_embeds_the_table_as_generated) {
    std::ifstream in(std::string(SOLARHOOK_SOURCE_DIR) + "/docs/events.md");
    ASSERT_TRUE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_NE(ss.str().find(fields_markdown()), std::string::npos)
        << "docs/events.md is out of date; its field table should read:\n"
        << fields_markdown();
}

TEST(event_fields, every_type_names_each_normalized_field_once_and_has_a_required_id) {
    for (auto t : {event_type::customer_created, event_type::customer_status_change,
                   event_type::project_email_sent, event_type::project_sms_sent,
                   event_type::published_proposal_link, event_type::recent_draft_project}) {
        std::set<std::string_view> names;
        bool required = false;
        for (const auto& f : fields_of(t)) {
            EXPECT_TRUE(names.insert(f.name).second) << type_name(t) << " " << f.name;
            EXPECT_FALSE(f.v1.empty() && f.v2.empty()) << f.name;
            required = required || f.need == field_need::required;
        }
        EXPECT_TRUE(required) << type_name(t);
    }
    EXPECT_TRUE(fields_of(event_type::unclassified).empty());
}

TEST(event_fields, typed_members_follow_the_generation) {
    EXPECT_TRUE(is_typed_field(event_type::customer_created, 1, "pkcustomerid"));
    EXPECT_FALSE(is_typed_field(event_type::customer_created, 1, "customer_uid"));
    EXPECT_TRUE(is_typed_field(event_type::customer_created, 2, "customer_uid"));
    EXPECT_FALSE(is_typed_field(event_type::customer_created, 2, "pkcustomerid"));
    EXPECT_TRUE(is_typed_field(event_type::customer_status_change, 2, "customer_id"));
    EXPECT_FALSE(is_typed_field(event_type::customer_created, 2, "phone_secondary"));
    EXPECT_TRUE(is_typed_field(event_type::recent_draft_project, 1, "siteaddress"));
}

TEST(event_fields, template_names_are_the_normalized_ones) {
    EXPECT_TRUE(is_normalized_field(event_type::customer_status_change, "new_status"));
    EXPECT_TRUE(is_normalized_field(event_type::customer_status_change, "new_status_name"));
    EXPECT_TRUE(is_normalized_field(event_type::customer_status_change, "customer_id"));
    EXPECT_FALSE(is_normalized_field(event_type::customer_status_change, "pkcustomerid"));
    EXPECT_FALSE(is_normalized_field(event_type::customer_status_change, "customer_email_name"));
    EXPECT_FALSE(is_normalized_field(event_type::project_email_sent, "customer_email"));
    EXPECT_TRUE(is_normalized_field(event_type::project_email_sent, "project_id"));
    EXPECT_TRUE(is_normalized_field(event_type::unclassified, "type"));
    EXPECT_TRUE(is_normalized_field(event_type::unclassified, "raw.anything"));
    EXPECT_FALSE(is_normalized_field(event_type::unclassified, "raw."));
    EXPECT_FALSE(is_normalized_field(event_type::unclassified, "customer_id"));
}

}  // namespace
}  // namespace solarhook
