#include "solarhook/app/samples.hpp"

#include <array>
#include <utility>

namespace solarhook::app {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 6> k_v1{{
    {"customer_created",
     R"({"pkcustomerid":12345,"fkuserid":67890,"customer_email":"john.doe@example.com","customer_name":"John Doe","customer_type":"RESIDENTIAL","customer_status":1})"},
    {"customer_status_change",
     R"({"pkcustomerid":12345,"fkuserid":67890,"customer_email":"john.doe@example.com","customer_name":"John Doe","old_status":1,"new_status":2,"status_name":"Signed"})"},
    {"project_email_sent",
     R"({"belongs_to_customer":12345,"belongs_to_user":67890,"activity_type":"email_sent","belongs_to_project":54321})"},
    {"project_sms_sent",
     R"({"belongs_to_customer":12345,"belongs_to_user":67890,"activity_type":"sms_sent","belongs_to_project":54321})"},
    {"published_proposal_link",
     R"({"belongs_to_customer":12345,"belongs_to_user":67890,"activity_type":"published_proposal_link","belongs_to_project":54321})"},
    {"recent_draft_project",
     R"({"pkcustomerquotationid":54321,"fkuserid":67890,"quotenickname":"Smith Residence Solar","siteaddress":"123 Main St, Sydney NSW 2000"})"},
}};

constexpr std::string_view k_v2_created =
    R"({"customer_id":141472,"customer_uid":"a1b2c3d4","first_name":"Jane","surname":"Citizen","customer_name":"Jane Citizen","phone_primary":"0412345678","phone_secondary":"","customer_email":"jane.citizen@example.com","company_name":"","abn":"","gst_registered":0,"customer_type_id":1,"customer_status_id":1,"site_address":"45 Example Dr, Kirwan QLD 4817, Australia","customer_created_at":"2025-10-16T12:00:00Z","customer_notes":"","assigned_user_id":16,"assigned_user_name":"Sam Installer","assigned_user_email":"sam@installer.example.com"})";

}  // namespace

std::optional<std::string> sample_payload(std::string_view type, int generation) {
    if (generation == 2 && type == "customer_created") {
        return std::string(k_v2_created);
    }
    for (const auto& [name, body] : k_v1) {
        if (name == type) {
            return std::string(body);
        }
    }
    return std::nullopt;
}

std::vector<std::string> sample_types() {
    std::vector<std::string> out;
    for (const auto& [name, body] : k_v1) {
        out.emplace_back(name);
    }
    return out;
}

}  // namespace solarhook::app
