// Decides which sinks an event goes to. Built from the `sinks` and `routes`
// config with every template compiled and every placeholder checked against
// every type each sink can receive, so a route that could render a field its
// event lacks fails at load (check-config, startup, reload), not at delivery.
// Immutable once built: a reload builds a new one and swaps it in.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "solarhook/config/routing.hpp"
#include "solarhook/decode/event.hpp"
#include "solarhook/route/template.hpp"

namespace solarhook::route {

struct compiled_sink {
    sink_config config;
    std::optional<text_template> url;    // http
    std::optional<json_template> body;   // http; absent: the normalized event
    std::vector<text_template> command;  // exec
};

class router {
  public:
    // Throws config_error naming the route, the sink and the placeholder.
    explicit router(const routing_config& r);

    // The sinks `normalized` (decode/normalized.hpp) goes to: each once, in the
    // order routes and their sinks are written.
    std::vector<std::string> sinks_for(event_type type, const nlohmann::json& normalized) const;
    // The same without a normalized event, when no route has a where clause.
    std::vector<std::string> sinks_for_type(event_type type, std::string_view type_label) const;
    bool has_conditions() const noexcept { return has_conditions_; }
    // Whether some route names this type at all (an unclassified event no route
    // can take stays quarantined).
    bool takes(event_type type, std::string_view type_label) const;

    const compiled_sink* sink(std::string_view name) const;
    const std::map<std::string, compiled_sink, std::less<>>& sinks() const { return sinks_; }

  private:
    std::vector<std::string> sinks_for_(event_type type, std::string_view label,
                                        const nlohmann::json* normalized) const;
    routing_config config_;
    bool has_conditions_ = false;
    std::map<std::string, compiled_sink, std::less<>> sinks_;
};

// The current router, swapped whole by a reload; readers keep the one they took.
class router_holder {
  public:
    explicit router_holder(std::shared_ptr<const router> r) : current_(std::move(r)) {}
    std::shared_ptr<const router> get() const {
        std::lock_guard lock(mutex_);
        return current_;
    }
    void set(std::shared_ptr<const router> r) {
        std::lock_guard lock(mutex_);
        current_ = std::move(r);
    }

  private:
    mutable std::mutex mutex_;
    std::shared_ptr<const router> current_;
};

// Whether one route's types name this event.
bool type_matches(const route_config& r, event_type type, std::string_view type_label);
bool where_matches(const std::vector<where_clause>& where, const nlohmann::json& normalized);

}  // namespace solarhook::route
