#include "solarhook/decode/normalized.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include "solarhook/decode/event_fields.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;

// The decoder's reading of an identifier (an integer, or a digit-only string);
// anything it would have refused or warned about is absent here.
std::optional<std::int64_t> integer_of(const json& v) {
    if (v.is_number_integer()) {
        if (v.is_number_unsigned() &&
            v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
            return std::nullopt;
        }
        return v.get<std::int64_t>();
    }
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        if (s.empty() ||
            !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return std::nullopt;
        }
        std::int64_t out = 0;
        const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        if (ec != std::errc{} || ptr != s.data() + s.size()) {
            return std::nullopt;
        }
        return out;
    }
    return std::nullopt;
}

json customer_type_of(const std::string& s) {
    std::string upper = s;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) {
        return c == '_' ? '-' : c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    });
    for (auto t :
         {customer_type::residential, customer_type::commercial, customer_type::large_scale}) {
        if (upper == customer_type_name(t)) {
            return customer_type_name(t);
        }
    }
    return s;  // kept as sent, as the decoder keeps it
}

}  // namespace

json normalize(event_type type, std::string_view type_label, std::string_view raw_json,
               const event_meta& meta) {
    json raw = json::parse(raw_json);
    json out = json::object();
    const auto member = [&](std::string_view name) -> const json* {
        if (name.empty() || !raw.is_object()) {
            return nullptr;
        }
        const auto it = raw.find(name);
        return it == raw.end() || it->is_null() ? nullptr : &*it;
    };
    const int generation =
        member("pkcustomerid") == nullptr && member("customer_id") != nullptr ? 2 : 1;
    out["type"] = type_label;
    out["key"] = meta.key;
    out["id"] = meta.id;
    out["received_at"] = format_rfc3339(meta.received_at);
    out["request_id"] = meta.request_id;
    out["generation"] = generation;
    for (const auto& f : fields_of(type)) {
        const json* v = member(member_name(f, generation));
        json value;  // null unless the payload has a usable value
        if (v != nullptr) {
            switch (f.kind) {
                case field_kind::id:
                case field_kind::integer:
                case field_kind::status:
                    if (const auto n = integer_of(*v)) {
                        value = *n;
                    }
                    break;
                case field_kind::text:
                case field_kind::activity:
                    if (v->is_string()) {
                        value = *v;
                    }
                    break;
                case field_kind::customer_type:
                    if (v->is_string()) {
                        value = customer_type_of(v->get_ref<const std::string&>());
                    }
                    break;
            }
        }
        if (f.kind == field_kind::activity && value.is_null()) {
            value = expected_activity(type);
        }
        if (f.kind == field_kind::status) {
            json label;
            if (value.is_number_integer()) {
                if (const auto l =
                        status_label(static_cast<customer_status>(value.get<std::int64_t>()));
                    !l.empty()) {
                    label = l;
                }
            }
            out[std::string(f.name) + "_name"] = std::move(label);
        }
        out[std::string(f.name)] = std::move(value);
    }
    out["raw"] = std::move(raw);
    return out;
}

json normalize(const decoded_event& ev, const event_meta& meta) {
    return normalize(ev.type, ev.type_label, ev.canonical, meta);
}

const json* normalized_field(const json& normalized, std::string_view name) {
    const json* scope = &normalized;
    if (name.starts_with("raw.")) {
        const auto it = normalized.find("raw");
        if (it == normalized.end() || !it->is_object()) {
            return nullptr;
        }
        scope = &*it;
        name.remove_prefix(4);
    }
    const auto it = scope->find(name);
    return it == scope->end() ? nullptr : &*it;
}

}  // namespace solarhook
