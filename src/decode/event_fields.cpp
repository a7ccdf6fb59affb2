#include "solarhook/decode/event_fields.hpp"

#include <fmt/format.h>

#include <array>

namespace solarhook {
namespace {

using k = field_kind;
using n = field_need;

constexpr std::array<field_spec, 15> k_created{{
    {"customer_id", "pkcustomerid", "customer_id", k::id, n::required},
    {"user_id", "fkuserid", "assigned_user_id", k::id, n::checked},
    {"customer_email", "customer_email", "customer_email", k::text, n::optional},
    {"customer_name", "customer_name", "customer_name", k::text, n::optional},
    {"customer_type", "customer_type", "", k::customer_type, n::optional},
    {"customer_type_id", "", "customer_type_id", k::integer, n::checked},
    {"customer_status", "customer_status", "customer_status_id", k::status, n::optional},
    {"customer_uid", "", "customer_uid", k::text, n::optional},
    {"first_name", "", "first_name", k::text, n::optional},
    {"surname", "", "surname", k::text, n::optional},
    {"phone_primary", "", "phone_primary", k::text, n::optional},
    {"site_address", "", "site_address", k::text, n::optional},
    {"created_at", "", "customer_created_at", k::text, n::optional},
    {"assigned_user_name", "", "assigned_user_name", k::text, n::optional},
    {"assigned_user_email", "", "assigned_user_email", k::text, n::optional},
}};

constexpr std::array<field_spec, 7> k_status_change{{
    {"customer_id", "pkcustomerid", "customer_id", k::id, n::required},
    {"user_id", "fkuserid", "fkuserid", k::id, n::checked},
    {"customer_email", "customer_email", "customer_email", k::text, n::optional},
    {"customer_name", "customer_name", "customer_name", k::text, n::optional},
    {"old_status", "old_status", "old_status", k::status, n::checked},
    {"new_status", "new_status", "new_status", k::status, n::required},
    {"status_name", "status_name", "status_name", k::text, n::optional},
}};

constexpr std::array<field_spec, 4> k_activity{{
    {"customer_id", "belongs_to_customer", "belongs_to_customer", k::id, n::required},
    {"user_id", "belongs_to_user", "belongs_to_user", k::id, n::checked},
    {"project_id", "belongs_to_project", "belongs_to_project", k::id, n::required},
    {"activity_type", "activity_type", "activity_type", k::activity, n::optional},
}};

constexpr std::array<field_spec, 4> k_draft{{
    {"project_id", "pkcustomerquotationid", "pkcustomerquotationid", k::id, n::required},
    {"user_id", "fkuserid", "fkuserid", k::id, n::checked},
    {"quote_nickname", "quotenickname", "quotenickname", k::text, n::optional},
    {"site_address", "siteaddress", "siteaddress", k::text, n::optional},
}};

constexpr std::array<std::string_view, 6> k_meta{"type",        "key",        "id",
                                                 "received_at", "request_id", "generation"};

constexpr std::array<event_type, 6> k_known{
    event_type::customer_created,        event_type::customer_status_change,
    event_type::project_email_sent,      event_type::project_sms_sent,
    event_type::published_proposal_link, event_type::recent_draft_project};

}  // namespace

std::string_view field_kind_name(field_kind kind) noexcept {
    switch (kind) {
        case k::id:
            return "id";
        case k::integer:
            return "integer";
        case k::text:
            return "string";
        case k::status:
            return "status";
        case k::customer_type:
            return "customer type";
        case k::activity:
            return "activity";
    }
    return "";
}

std::string_view field_need_name(field_need need) noexcept {
    switch (need) {
        case n::required:
            return "required";
        case n::checked:
            return "checked";
        case n::optional:
            return "optional";
    }
    return "";
}

std::span<const field_spec> fields_of(event_type t) noexcept {
    switch (t) {
        case event_type::customer_created:
            return k_created;
        case event_type::customer_status_change:
            return k_status_change;
        case event_type::project_email_sent:
        case event_type::project_sms_sent:
        case event_type::published_proposal_link:
            return k_activity;
        case event_type::recent_draft_project:
            return k_draft;
        case event_type::unclassified:
            return {};
    }
    return {};
}

std::string_view member_name(const field_spec& spec, int generation) noexcept {
    return generation == 2 ? spec.v2 : spec.v1;
}

std::string_view expected_activity(event_type t) noexcept {
    switch (t) {
        case event_type::project_email_sent:
            return "email_sent";
        case event_type::project_sms_sent:
            return "sms_sent";
        case event_type::published_proposal_link:
            return "published_proposal_link";
        default:
            return {};
    }
}

std::span<const std::string_view> normalized_meta_fields() noexcept {
    return k_meta;
}

bool is_normalized_field(event_type t, std::string_view name) noexcept {
    if (name.starts_with("raw.") && name.size() > 4) {
        return true;
    }
    for (auto m : k_meta) {
        if (m == name) {
            return true;
        }
    }
    for (const auto& f : fields_of(t)) {
        if (f.name == name) {
            return true;
        }
        if (f.kind == k::status && name.size() == f.name.size() + 5 && name.starts_with(f.name) &&
            name.ends_with("_name")) {
            return true;
        }
    }
    return false;
}

std::string fields_markdown() {
    std::string out =
        "| type | normalized name | generation 1 | generation 2 | kind | need |\n"
        "|---|---|---|---|---|---|\n";
    const auto cell = [](std::string_view member) {
        return member.empty() ? std::string("—") : fmt::format("`{}`", member);
    };
    for (auto t : k_known) {
        // The three activity types share one table; they are listed once, together.
        if (t == event_type::project_sms_sent || t == event_type::published_proposal_link) {
            continue;
        }
        const std::string types =
            t == event_type::project_email_sent
                ? "`project_email_sent`, `project_sms_sent`, `published_proposal_link`"
                : fmt::format("`{}`", type_name(t));
        for (const auto& f : fields_of(t)) {
            std::string name = fmt::format("`{}`", f.name);
            if (f.kind == k::status) {
                name += fmt::format(", `{}_name`", f.name);
            }
            out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", types, name, cell(f.v1),
                               cell(f.v2), field_kind_name(f.kind), field_need_name(f.need));
        }
    }
    return out;
}

}  // namespace solarhook
