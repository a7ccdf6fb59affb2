#include "solarhook/decode/decoder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "solarhook/decode/bounded_json.hpp"
#include "solarhook/decode/canonical_json.hpp"
#include "solarhook/decode/event_fields.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;
using simdjson::dom::element;
using simdjson::dom::element_type;

// The names nlohmann used in messages, which operators' tooling may match on.
std::string_view type_name_of(const element& v) {
    switch (v.type()) {
        case element_type::OBJECT:
            return "object";
        case element_type::ARRAY:
            return "array";
        case element_type::STRING:
            return "string";
        case element_type::INT64:
        case element_type::UINT64:
        case element_type::DOUBLE:
            return "number";
        case element_type::BOOL:
            return "boolean";
        case element_type::NULL_VALUE:
            return "null";
    }
    return "unknown";
}

bool is_string(const element& v, std::string_view expected) {
    return v.is_string() && v.get_string().value_unsafe() == expected;
}

// An object's members, sorted and with duplicates resolved, searched by key.
struct member_index {
    const std::vector<member>& members;

    // The member, null-valued ones included (nlohmann's contains()). A linear scan:
    // events have a dozen members, and the length check rejects almost all of them.
    const element* entry(std::string_view field) const {
        for (const auto& m : members) {
            if (m.key.size() == field.size() &&
                std::memcmp(m.key.data(), field.data(), field.size()) == 0) {
                return &m.value;
            }
        }
        return nullptr;
    }
    bool contains(std::string_view field) const { return entry(field) != nullptr; }
    // The member unless it is null: a null field counts as absent.
    const element* find(std::string_view field) const {
        const element* v = entry(field);
        return v != nullptr && !v->is_null() ? v : nullptr;
    }
};

// Collects field-level failures (fatal) and warnings while one object decodes.
struct field_reader {
    member_index obj;
    std::vector<json> errors;
    std::vector<std::string> warnings;
    event_type type = event_type::unclassified;
    int generation = 1;

    // The field table's entry (event_fields.cpp) for a normalized name of this type:
    // which member it is read from in this generation, and how strictly.
    const field_spec& spec(std::string_view name) const {
        for (const auto& f : fields_of(type)) {
            if (f.name == name) {
                return f;
            }
        }
        throw std::logic_error("no field " + std::string(name) + " in the table");
    }
    std::string_view member(std::string_view name) const {
        return member_name(spec(name), generation);
    }
    // An id, integer or status field by its normalized name, with the table's need.
    std::optional<std::int64_t> id_of(std::string_view name) {
        const auto& f = spec(name);
        return integer(member_name(f, generation), f.need == field_need::required,
                       f.need != field_need::optional);
    }
    std::optional<customer_status> status_of(std::string_view name) {
        const auto& f = spec(name);
        return status(member_name(f, generation), f.need != field_need::optional,
                      f.need == field_need::required);
    }
    void str_of(std::string_view name, std::optional<std::string>& out) { str(member(name), out); }

    const element* find(std::string_view field) const { return obj.find(field); }

    bool has(std::string_view field) const { return find(field) != nullptr; }

    // Why `v` is not a usable 64-bit identifier, or empty if it is one.
    static std::string int_problem(const element& v, std::int64_t& out) {
        switch (v.type()) {
            case element_type::INT64:
                out = v.get_int64().value_unsafe();
                return out < 0 ? "must not be negative" : "";
            case element_type::UINT64:  // only used past the int64 range
                return "out of the 64-bit integer range";
            case element_type::DOUBLE: {
                const double d = v.get_double().value_unsafe();
                // Integer literals beyond 64 bits arrive as doubles (bounded_json.hpp).
                if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) {
                    return "out of the 64-bit integer range";
                }
                return d == std::trunc(d) ? "must be an integer, got a decimal number"
                                          : "must be an integer, got a fractional number";
            }
            case element_type::STRING: {
                const std::string_view s = v.get_string().value_unsafe();
                if (s.empty() ||
                    !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
                    return "must be an integer or a digit-only string";
                }
                auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
                if (ec == std::errc::result_out_of_range) {
                    return "out of the 64-bit integer range";
                }
                return ptr == s.data() + s.size() ? ""
                                                  : "must be an integer or a digit-only string";
            }
            default:
                return fmt::format("must be an integer or a digit-only string, got {}",
                                   type_name_of(v));
        }
    }

    void fail(std::string_view field, std::string_view why) {
        errors.push_back(json{{"field", field}, {"problem", why}});
    }

    // An integer field; a problem with it is an error when `fatal`, else a warning.
    std::optional<std::int64_t> integer(std::string_view field, bool required, bool fatal) {
        const element* v = find(field);
        if (v == nullptr) {
            if (required) {
                fail(field, "missing");
            }
            return std::nullopt;
        }
        std::int64_t out = 0;
        if (auto why = int_problem(*v, out); !why.empty()) {
            if (fatal) {
                fail(field, why);
            } else {
                warnings.push_back(fmt::format("{} {}; ignored", field, why));
            }
            return std::nullopt;
        }
        return out;
    }

    std::optional<std::int64_t> id(std::string_view field, bool required) {
        return integer(field, required, true);
    }

    // A status that carries the event's meaning (fatal) or not (warnings only).
    std::optional<customer_status> status(std::string_view field, bool fatal, bool required) {
        const auto n = integer(field, required, fatal);
        if (!n) {
            return std::nullopt;
        }
        const auto s = static_cast<customer_status>(*n);
        if (!is_documented(s)) {
            warnings.push_back(
                fmt::format("{} = {} is not a documented status (0-3); kept", field, *n));
        }
        return s;
    }

    // Writes the field into `out` in place (no temporary string to move).
    void str(std::string_view field, std::optional<std::string>& out) {
        const element* v = find(field);
        if (v == nullptr) {
            return;
        }
        if (!v->is_string()) {
            warnings.push_back(
                fmt::format("{} should be a string, got {}; kept in the raw "
                            "payload only",
                            field, type_name_of(*v)));
            return;
        }
        out.emplace(v->get_string().value_unsafe());
    }
};

std::optional<customer_type> parse_customer_type(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](char c) {
        return c == '_' ? '-' : c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    });
    for (auto t :
         {customer_type::residential, customer_type::commercial, customer_type::large_scale}) {
        if (s == customer_type_name(t)) {
            return t;
        }
    }
    return std::nullopt;
}

// Member names and needs come from the field table (event_fields.cpp); what is
// here is what a table cannot say: enums, defaults and cross-field warnings.
void decode_customer_created(field_reader& r, customer_created& c) {
    c.generation = r.generation;
    if (r.generation == 1 && !r.has(r.member("customer_id"))) {
        r.fail(r.member("customer_id"), "missing (generation-2 senders use customer_id)");
    } else {
        c.customer_id = r.id_of("customer_id").value_or(0);
    }
    c.user_id = r.id_of("user_id");
    c.status = r.status_of("customer_status");
    r.str_of("customer_email", c.customer_email);
    r.str_of("customer_name", c.customer_name);
    if (r.generation == 2) {
        c.type_id = r.id_of("customer_type_id");
        r.str_of("customer_uid", c.customer_uid);
        r.str_of("first_name", c.first_name);
        r.str_of("surname", c.surname);
        r.str_of("phone_primary", c.phone_primary);
        r.str_of("site_address", c.site_address);
        r.str_of("created_at", c.created_at);
        r.str_of("assigned_user_name", c.assigned_user_name);
        r.str_of("assigned_user_email", c.assigned_user_email);
    } else {
        std::optional<std::string> raw;
        r.str_of("customer_type", raw);
        if (raw) {
            c.type = parse_customer_type(*raw);
            if (!c.type) {
                c.type = customer_type::other;
                r.warnings.push_back(fmt::format(
                    "customer_type \"{}\" is not RESIDENTIAL, COMMERCIAL or LARGE-SCALE; kept",
                    *raw));
            }
            c.type_raw = std::move(raw);
        }
    }
}

void decode_status_change(field_reader& r, customer_status_change& c) {
    c.customer_id = r.id_of("customer_id").value_or(0);
    c.user_id = r.id_of("user_id");
    r.str_of("customer_email", c.customer_email);
    r.str_of("customer_name", c.customer_name);
    c.old_status = r.status_of("old_status");
    c.new_status = r.status_of("new_status").value_or(customer_status::no_status);
    r.str_of("status_name", c.status_name);
    if (c.status_name && r.errors.empty() && is_documented(c.new_status) &&
        *c.status_name != status_label(c.new_status)) {
        r.warnings.push_back(fmt::format("status_name \"{}\" disagrees with new_status {} ({})",
                                         *c.status_name, static_cast<std::int64_t>(c.new_status),
                                         status_label(c.new_status)));
    }
}

void decode_activity(field_reader& r, project_activity& a) {
    a.customer_id = r.id_of("customer_id").value_or(0);
    a.user_id = r.id_of("user_id");
    a.project_id = r.id_of("project_id").value_or(0);
    std::optional<std::string> activity;
    r.str_of("activity_type", activity);
    a.activity_type = activity ? std::move(*activity) : std::string(expected_activity(r.type));
}

void decode_draft(field_reader& r, recent_draft_project& d) {
    d.project_id = r.id_of("project_id").value_or(0);
    d.user_id = r.id_of("user_id");
    r.str_of("quote_nickname", d.quote_nickname);
    r.str_of("site_address", d.site_address);
}

problem with_index(problem p, std::size_t index) {
    p.message = fmt::format("event [{}]: {}", index, p.message);
    for (auto& d : p.details) {
        if (d.is_object()) {
            d["index"] = index;
        }
    }
    if (p.details.empty()) {
        p.details.push_back(json{{"index", index}});
    }
    return p;
}

}  // namespace

bool valid_type_segment(std::string_view s) noexcept {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

namespace {

event_type classify(const member_index& obj) {
    if (const element* act = obj.entry("activity_type")) {
        for (auto t : {event_type::project_email_sent, event_type::project_sms_sent,
                       event_type::published_proposal_link}) {
            if (is_string(*act, expected_activity(t))) {
                return t;
            }
        }
        return event_type::unclassified;
    }
    if (obj.contains("pkcustomerquotationid")) {
        return event_type::recent_draft_project;
    }
    const bool customer = obj.contains("pkcustomerid") || obj.contains("customer_id");
    if (customer && (obj.contains("old_status") || obj.contains("new_status"))) {
        return event_type::customer_status_change;
    }
    if (customer && (obj.contains("customer_status") || obj.contains("customer_status_id"))) {
        return event_type::customer_created;
    }
    return event_type::unclassified;
}

// Decodes into `ev` in place (an event is a large struct: moving it cost more than
// typing some events). `bytes_hint`: about the size of the object's text, to size
// the canonical text once.
std::optional<problem> decode_element(const simdjson::dom::object& object,
                                      std::optional<std::string_view> url_type,
                                      std::size_t bytes_hint, decoded_event& ev) {
    // Reused across calls on this thread: sorting the members costs no allocation.
    thread_local std::vector<member> members;
    sorted_members(object, members);
    const member_index obj{members};

    const event_type shape = classify(obj);
    event_type type = shape;
    if (url_type) {
        if (!valid_type_segment(*url_type)) {
            return problem{errc::not_found, "event type in the path must match [a-z0-9_]{1,64}"};
        }
        if (auto known = parse_type_name(*url_type)) {
            type = *known;
            const element* act = obj.entry("activity_type");
            const bool activity_disagrees = !expected_activity(type).empty() && act != nullptr &&
                                            !is_string(*act, expected_activity(type));
            if ((shape != event_type::unclassified && shape != type) || activity_disagrees) {
                std::string body_type;
                if (shape != event_type::unclassified) {
                    body_type = type_name(shape);
                } else {
                    body_type = "activity_type ";
                    append_canonical(body_type, *act);
                }
                return problem{
                    errc::type_mismatch,
                    fmt::format("the URL says {} but the body is {}", *url_type, body_type),
                    json::array({{{"url_type", *url_type}, {"body_type", body_type}}})};
            }
        } else {
            // A type we do not know yet (e.g. contract_signed): keep it under the URL's name.
            type = event_type::unclassified;
            ev.type_label = std::string(*url_type);
        }
    }
    ev.type = type;
    // A null member counts as absent, here as for every field.
    ev.generation =
        obj.find("pkcustomerid") == nullptr && obj.find("customer_id") != nullptr ? 2 : 1;
    if (ev.type_label.empty()) {
        ev.type_label = std::string(type_name(type));
    }

    field_reader r{obj, {}, {}, type, ev.generation};
    switch (type) {
        case event_type::customer_created:
            decode_customer_created(r, ev.data.emplace<customer_created>());
            break;
        case event_type::customer_status_change:
            decode_status_change(r, ev.data.emplace<customer_status_change>());
            break;
        case event_type::project_email_sent:
            decode_activity(r, ev.data.emplace<project_email_sent>());
            break;
        case event_type::project_sms_sent:
            decode_activity(r, ev.data.emplace<project_sms_sent>());
            break;
        case event_type::published_proposal_link:
            decode_activity(r, ev.data.emplace<published_proposal_link>());
            break;
        case event_type::recent_draft_project:
            decode_draft(r, ev.data.emplace<recent_draft_project>());
            break;
        case event_type::unclassified:
            ev.data = unclassified_event{};
            r.warnings.push_back(url_type ? fmt::format("event type {} is not one solarhook knows; "
                                                        "kept unclassified",
                                                        *url_type)
                                          : "payload matches no known event shape; kept "
                                            "unclassified");
            break;
    }
    if (!r.errors.empty()) {
        std::string fields;
        for (const auto& e : r.errors) {
            fields += fields.empty() ? "" : ", ";
            fields += fmt::format("{} {}", e["field"].get<std::string>(),
                                  e["problem"].get<std::string>());
        }
        return problem{errc::invalid_event, fmt::format("{}: {}", ev.type_label, fields),
                       json(r.errors)};
    }
    ev.warnings = std::move(r.warnings);
    ev.canonical.reserve(bytes_hint);
    append_object(ev.canonical, members, [](std::string_view) { return true; });
    append_object(ev.extra, members,
                  [&](std::string_view k) { return !is_typed_field(ev.type, ev.generation, k); });
    return std::nullopt;
}

}  // namespace

std::variant<decoded_event, problem> decode_object(std::string_view object_json,
                                                   std::optional<std::string_view> url_type,
                                                   const decode_limits& limits) {
    auto parsed = parse_bounded(object_json, limits.max_bytes, limits.max_depth);
    if (auto* p = std::get_if<problem>(&parsed)) {
        return std::move(*p);
    }
    const element root = std::get<element>(parsed);
    if (!root.is_object()) {
        return problem{errc::not_an_object,
                       fmt::format("an event must be a JSON object, got {}", type_name_of(root))};
    }
    decoded_event ev;
    if (auto p =
            decode_element(root.get_object().value_unsafe(), url_type, object_json.size(), ev)) {
        return std::move(*p);
    }
    return ev;
}

decode_result decode_body(std::string_view body, std::optional<std::string_view> url_type,
                          const decode_limits& limits) {
    auto parsed = parse_bounded(body, limits.max_bytes, limits.max_depth);
    if (auto* p = std::get_if<problem>(&parsed)) {
        return std::move(*p);
    }
    const element root = std::get<element>(parsed);
    std::vector<decoded_event> events;
    if (root.is_object()) {
        if (auto p = decode_element(root.get_object().value_unsafe(), url_type, body.size(),
                                    events.emplace_back())) {
            return std::move(*p);
        }
        return events;
    }
    if (!root.is_array()) {
        return problem{errc::not_an_object,
                       fmt::format("body must be a JSON object or an array of objects, got {}",
                                   type_name_of(root))};
    }
    const auto array = root.get_array().value_unsafe();
    const std::size_t count = array.size();
    if (count == 0) {
        return problem{errc::empty_body, "body is an empty array: it carries no event"};
    }
    if (count > limits.max_events) {
        return problem{errc::too_many_events, fmt::format("body holds {} events, the limit is {}",
                                                          count, limits.max_events)};
    }
    events.reserve(count);
    std::size_t i = 0;
    for (const element item : array) {
        if (!item.is_object()) {
            return problem{
                errc::not_an_object,
                fmt::format("event [{}] must be a JSON object, got {}", i, type_name_of(item)),
                json::array({{{"index", i}}})};
        }
        if (auto p = decode_element(item.get_object().value_unsafe(), url_type, body.size() / count,
                                    events.emplace_back())) {
            return with_index(std::move(*p), i);
        }
        ++i;
    }
    return events;
}

}  // namespace solarhook
