#include "solarhook/decode/event.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <vector>

#include "solarhook/core/json_text.hpp"
#include "solarhook/decode/event_fields.hpp"

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

// Builds one JSON object with its members sorted by key, as nlohmann's dump() of
// the same object would print it, without building a json value (a map of
// allocations per event, on the request path and again on the worker).
class sorted_object {
  public:
    template <typename T>
    void put(std::string_view key, const std::optional<T>& v) {
        if (v) {
            put(key, *v);
        }
    }
    void put(std::string_view key, std::string_view v) {
        begin_(key);
        append_json_string(values_, v);
        end_();
    }
    void put(std::string_view key, const std::string& v) { put(key, std::string_view(v)); }
    void put(std::string_view key, std::int64_t v) {
        begin_(key);
        char buf[24];
        const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
        values_.append(buf, ec == std::errc{} ? end : buf);
        end_();
    }
    void put(std::string_view key, customer_status s) { put(key, static_cast<std::int64_t>(s)); }

    std::string finish() {
        std::sort(fields_.begin(), fields_.begin() + static_cast<std::ptrdiff_t>(count_),
                  [](const field& a, const field& b) { return a.key < b.key; });
        std::string out;
        out.reserve(values_.size() + 24 * count_ + 2);
        json_object_writer w(out);
        for (std::size_t i = 0; i < count_; ++i) {
            w.raw(fields_[i].key, std::string_view(values_).substr(
                                      fields_[i].begin, fields_[i].end - fields_[i].begin));
        }
        w.close();
        return out;
    }

  private:
    struct field {
        std::string_view key;
        std::size_t begin = 0;
        std::size_t end = 0;
    };
    void begin_(std::string_view key) { fields_.at(count_) = field{key, values_.size(), 0}; }
    void end_() { fields_[count_++].end = values_.size(); }

    std::array<field, 24> fields_{};  // more than any event type has
    std::size_t count_ = 0;
    std::string values_;
};

void put_activity(sorted_object& j, const project_activity& a) {
    j.put("belongs_to_customer", a.customer_id);
    j.put("belongs_to_project", a.project_id);
    j.put("activity_type", a.activity_type);
    j.put("belongs_to_user", a.user_id);
}

struct typed_json_visitor {
    sorted_object& j;

    void operator()(const customer_created& c) const {
        j.put(c.generation == 2 ? "customer_id" : "pkcustomerid", c.customer_id);
        j.put(c.generation == 2 ? "assigned_user_id" : "fkuserid", c.user_id);
        j.put("customer_email", c.customer_email);
        j.put("customer_name", c.customer_name);
        if (c.type) {
            j.put("customer_type", *c.type == customer_type::other && c.type_raw
                                       ? std::string_view(*c.type_raw)
                                       : customer_type_name(*c.type));
        }
        j.put("customer_type_id", c.type_id);
        j.put(c.generation == 2 ? "customer_status_id" : "customer_status", c.status);
        if (c.status && is_documented(*c.status)) {
            j.put("customer_status_label", status_label(*c.status));
        }
        j.put("customer_uid", c.customer_uid);
        j.put("first_name", c.first_name);
        j.put("surname", c.surname);
        j.put("phone_primary", c.phone_primary);
        j.put("site_address", c.site_address);
        j.put("customer_created_at", c.created_at);
        j.put("assigned_user_name", c.assigned_user_name);
        j.put("assigned_user_email", c.assigned_user_email);
    }
    void operator()(const customer_status_change& c) const {
        j.put("pkcustomerid", c.customer_id);
        j.put("new_status", c.new_status);
        j.put("fkuserid", c.user_id);
        j.put("customer_email", c.customer_email);
        j.put("customer_name", c.customer_name);
        j.put("old_status", c.old_status);
        j.put("status_name", c.status_name);
    }
    void operator()(const project_email_sent& a) const { put_activity(j, a); }
    void operator()(const project_sms_sent& a) const { put_activity(j, a); }
    void operator()(const published_proposal_link& a) const { put_activity(j, a); }
    void operator()(const recent_draft_project& d) const {
        j.put("pkcustomerquotationid", d.project_id);
        j.put("fkuserid", d.user_id);
        j.put("quotenickname", d.quote_nickname);
        j.put("siteaddress", d.site_address);
    }
    void operator()(const unclassified_event&) const {}
};

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

std::string typed_json(const event_data& data) {
    sorted_object j;
    std::visit(typed_json_visitor{j}, data);
    return j.finish();
}

bool is_typed_field(event_type t, int generation, std::string_view field) {
    for (const auto& f : fields_of(t)) {
        if (member_name(f, generation) == field) {
            return true;
        }
    }
    return false;
}

}  // namespace solarhook
