#include "solarhook/route/router.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "solarhook/config/config.hpp"
#include "solarhook/decode/event_fields.hpp"
#include "solarhook/decode/normalized.hpp"

namespace solarhook::route {
namespace {

using json = nlohmann::json;

constexpr std::array<event_type, 7> k_all_types{event_type::customer_created,
                                                event_type::customer_status_change,
                                                event_type::project_email_sent,
                                                event_type::project_sms_sent,
                                                event_type::published_proposal_link,
                                                event_type::recent_draft_project,
                                                event_type::unclassified};

std::string type_label_of(event_type t) {
    return t == event_type::unclassified ? "unclassified" : std::string(type_name(t));
}

bool number_compare(const json* f, const json& bound, bool gte) {
    if (f == nullptr || !f->is_number() || !bound.is_number()) {
        return false;
    }
    const double a = f->get<double>();
    const double b = bound.get<double>();
    return gte ? a >= b : a <= b;
}

}  // namespace

bool type_matches(const route_config& r, event_type type, std::string_view type_label) {
    for (const auto& t : r.types) {
        if (type == event_type::unclassified) {
            if (t == "unclassified" || t == type_label) {
                return true;
            }
        } else if (t == "*" || t == type_name(type)) {
            return true;
        }
    }
    return false;
}

bool where_matches(const std::vector<where_clause>& where, const json& normalized) {
    for (const auto& w : where) {
        const json* f = normalized_field(normalized, w.field);
        const bool present = f != nullptr && !f->is_null();
        bool ok = false;
        switch (w.test) {
            case where_clause::op::equal:
                ok = present && *f == w.value;
                break;
            case where_clause::op::any_of:
                ok = present && std::any_of(w.value.begin(), w.value.end(),
                                            [&](const json& v) { return *f == v; });
                break;
            case where_clause::op::not_equal:
                ok = !(present && *f == w.value);
                break;
            case where_clause::op::exists:
                ok = present == w.value.get<bool>();
                break;
            case where_clause::op::gte:
                ok = number_compare(f, w.value, true);
                break;
            case where_clause::op::lte:
                ok = number_compare(f, w.value, false);
                break;
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

router::router(const routing_config& r) : config_(r) {
    validate_routing(config_);
    has_conditions_ = std::any_of(config_.routes.begin(), config_.routes.end(),
                                  [](const route_config& x) { return !x.where.empty(); });
    for (const auto& [name, s] : config_.sinks) {
        compiled_sink c{s, std::nullopt, std::nullopt, {}};
        // Captured by name: clang 14 (the fuzz build) cannot capture a structured binding.
        const auto where = [&sink_name = name](const std::string& key) {
            return fmt::format("sinks.{}.{}", sink_name, key);
        };
        try {
            if (s.kind == sink_kind::http) {
                c.url = text_template::compile(s.url);
                if (s.body) {
                    c.body = json_template::compile(*s.body);
                }
            }
            for (const auto& arg : s.command) {
                c.command.push_back(text_template::compile(arg));
            }
        } catch (const template_error& e) {
            throw config_error(
                fmt::format("config key '{}': {}",
                            where(s.kind == sink_kind::http ? "url|body" : "command"), e.what()));
        }
        sinks_.emplace(name, std::move(c));
    }
    for (const auto& route : config_.routes) {
        for (const auto& sink_name : route.sinks) {
            const auto& c = sinks_.at(sink_name);
            std::vector<std::string> names;
            if (c.url) {
                c.url->placeholders(names);
            }
            if (c.body) {
                c.body->placeholders(names);
            }
            for (const auto& arg : c.command) {
                arg.placeholders(names);
            }
            for (auto t : k_all_types) {
                bool reaches = false;
                for (const auto& name : route.types) {
                    reaches = reaches ||
                              (t == event_type::unclassified ? name != "*" && !parse_type_name(name)
                                                             : name == "*" || name == type_name(t));
                }
                if (!reaches) {
                    continue;
                }
                for (const auto& p : names) {
                    if (!is_normalized_field(t, p)) {
                        throw config_error(fmt::format(
                            "route \"{}\", sink \"{}\": placeholder {{{}}} does not exist for {} "
                            "events (fields are the normalized names in docs/events.md, or "
                            "raw.<member>)",
                            route.name, sink_name, p, type_label_of(t)));
                    }
                }
            }
        }
    }
}

std::vector<std::string> router::sinks_for(event_type type, const json& normalized) const {
    return sinks_for_(type, normalized.value("type", std::string()), &normalized);
}

std::vector<std::string> router::sinks_for_type(event_type type,
                                                std::string_view type_label) const {
    return sinks_for_(type, type_label, nullptr);
}

std::vector<std::string> router::sinks_for_(event_type type, std::string_view label,
                                            const json* normalized) const {
    std::vector<std::string> out;
    for (const auto& route : config_.routes) {
        if (!type_matches(route, type, label)) {
            continue;
        }
        if (!route.where.empty() &&
            (normalized == nullptr || !where_matches(route.where, *normalized))) {
            continue;
        }
        for (const auto& s : route.sinks) {
            if (std::find(out.begin(), out.end(), s) == out.end()) {
                out.push_back(s);
            }
        }
    }
    return out;
}

bool router::takes(event_type type, std::string_view type_label) const {
    return std::any_of(config_.routes.begin(), config_.routes.end(),
                       [&](const route_config& r) { return type_matches(r, type, type_label); });
}

const compiled_sink* router::sink(std::string_view name) const {
    const auto it = sinks_.find(name);
    return it == sinks_.end() ? nullptr : &it->second;
}

}  // namespace solarhook::route
