#include "solarhook/decode/event.hpp"

#include <array>
#include <set>

namespace solarhook {
namespace {

constexpr std::array<std::pair<event_type, std::string_view>, 6> k_names{{
    {event_type::customer_created, "customer_created"},
    {event_type::customer_status_change, "customer_status_change"},
    {event_type::project_email_sent, "project_email_sent"},
    {event_type::project_sms_sent, "project_sms_sent"},
    {event_type::published_proposal_link, "published_proposal_link"},
    {event_type::recent_draft_project, "recent_draft_project"},
}};

template <typename T>
void put(nlohmann::json& j, const char* key, const std::optional<T>& v) {
    if (v) {
        j[key] = *v;
    }
}

void put_status(nlohmann::json& j, const char* key, const std::optional<customer_status>& s) {
    if (s) {
        j[key] = static_cast<std::int64_t>(*s);
    }
}

nlohmann::json activity_json(const project_activity& a) {
    nlohmann::json j{{"belongs_to_customer", a.customer_id},
                     {"belongs_to_project", a.project_id},
                     {"activity_type", a.activity_type}};
    put(j, "belongs_to_user", a.user_id);
    return j;
}

struct to_json_visitor {
    nlohmann::json operator()(const customer_created& c) const {
        nlohmann::json j{{c.generation == 2 ? "customer_id" : "pkcustomerid", c.customer_id}};
        put(j, c.generation == 2 ? "assigned_user_id" : "fkuserid", c.user_id);
        put(j, "customer_email", c.customer_email);
        put(j, "customer_name", c.customer_name);
        if (c.type) {
            j["customer_type"] = *c.type == customer_type::other && c.type_raw
                                     ? *c.type_raw
                                     : std::string(customer_type_name(*c.type));
        }
        put(j, "customer_type_id", c.type_id);
        put_status(j, c.generation == 2 ? "customer_status_id" : "customer_status", c.status);
        if (c.status && is_documented(*c.status)) {
            j["customer_status_label"] = status_label(*c.status);
        }
        put(j, "customer_uid", c.customer_uid);
        put(j, "first_name", c.first_name);
        put(j, "surname", c.surname);
        put(j, "phone_primary", c.phone_primary);
        put(j, "site_address", c.site_address);
        put(j, "customer_created_at", c.created_at);
        put(j, "assigned_user_name", c.assigned_user_name);
        put(j, "assigned_user_email", c.assigned_user_email);
        return j;
    }
    nlohmann::json operator()(const customer_status_change& c) const {
        nlohmann::json j{{"pkcustomerid", c.customer_id},
                         {"new_status", static_cast<std::int64_t>(c.new_status)}};
        put(j, "fkuserid", c.user_id);
        put(j, "customer_email", c.customer_email);
        put(j, "customer_name", c.customer_name);
        put_status(j, "old_status", c.old_status);
        put(j, "status_name", c.status_name);
        return j;
    }
    nlohmann::json operator()(const project_email_sent& a) const { return activity_json(a); }
    nlohmann::json operator()(const project_sms_sent& a) const { return activity_json(a); }
    nlohmann::json operator()(const published_proposal_link& a) const { return activity_json(a); }
    nlohmann::json operator()(const recent_draft_project& d) const {
        nlohmann::json j{{"pkcustomerquotationid", d.project_id}};
        put(j, "fkuserid", d.user_id);
        put(j, "quotenickname", d.quote_nickname);
        put(j, "siteaddress", d.site_address);
        return j;
    }
    nlohmann::json operator()(const unclassified_event&) const { return nlohmann::json::object(); }
};

const std::set<std::string_view>& known_fields(event_type t, int generation) {
    static const std::set<std::string_view> v1_created{"pkcustomerid",   "fkuserid",
                                                       "customer_email", "customer_name",
                                                       "customer_type",  "customer_status"};
    static const std::set<std::string_view> v2_created{
        "customer_id",        "assigned_user_id",   "customer_email",
        "customer_name",      "customer_type_id",   "customer_status_id",
        "customer_uid",       "first_name",         "surname",
        "phone_primary",      "site_address",       "customer_created_at",
        "assigned_user_name", "assigned_user_email"};
    static const std::set<std::string_view> status_change{
        "pkcustomerid",  "customer_id", "fkuserid",   "customer_email",
        "customer_name", "old_status",  "new_status", "status_name"};
    static const std::set<std::string_view> activity{"belongs_to_customer", "belongs_to_user",
                                                     "activity_type", "belongs_to_project"};
    static const std::set<std::string_view> draft{"pkcustomerquotationid", "fkuserid",
                                                  "quotenickname", "siteaddress"};
    static const std::set<std::string_view> none{};
    switch (t) {
        case event_type::customer_created:
            return generation == 2 ? v2_created : v1_created;
        case event_type::customer_status_change:
            return status_change;
        case event_type::project_email_sent:
        case event_type::project_sms_sent:
        case event_type::published_proposal_link:
            return activity;
        case event_type::recent_draft_project:
            return draft;
        case event_type::unclassified:
            return none;
    }
    return none;
}

}  // namespace

std::string_view type_name(event_type t) noexcept {
    for (const auto& [type, name] : k_names) {
        if (type == t) {
            return name;
        }
    }
    return "unclassified";
}

std::optional<event_type> parse_type_name(std::string_view name) noexcept {
    for (const auto& [type, n] : k_names) {
        if (n == name) {
            return type;
        }
    }
    return std::nullopt;
}

std::string_view status_label(customer_status s) noexcept {
    switch (s) {
        case customer_status::no_status:
            return "No Status";
        case customer_status::new_contacts:
            return "New Contacts";
        case customer_status::signed_up:
            return "Signed";
        case customer_status::mega_status:
            return "Mega Status";
    }
    return "";
}

bool is_documented(customer_status s) noexcept {
    return !status_label(s).empty();
}

std::string_view customer_type_name(customer_type t) noexcept {
    switch (t) {
        case customer_type::residential:
            return "RESIDENTIAL";
        case customer_type::commercial:
            return "COMMERCIAL";
        case customer_type::large_scale:
            return "LARGE-SCALE";
        case customer_type::other:
            return "OTHER";
    }
    return "OTHER";
}

nlohmann::json to_json(const event_data& data) {
    return std::visit(to_json_visitor{}, data);
}

nlohmann::json extra_fields(const decoded_event& ev) {
    nlohmann::json extra = nlohmann::json::object();
    if (!ev.raw.is_object()) {
        return extra;
    }
    int generation = 1;
    if (const auto* c = std::get_if<customer_created>(&ev.data)) {
        generation = c->generation;
    }
    const auto& known = known_fields(ev.type, generation);
    for (const auto& [k, v] : ev.raw.items()) {
        if (!known.contains(k)) {
            extra[k] = v;
        }
    }
    return extra;
}

}  // namespace solarhook
