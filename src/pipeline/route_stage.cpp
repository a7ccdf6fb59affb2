#include "solarhook/pipeline/route_stage.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "solarhook/decode/normalized.hpp"

namespace solarhook {

std::string order_key_of(const decoded_event& ev) {
    return std::visit(
        [](const auto& d) -> std::string {
            using T = std::decay_t<decltype(d)>;
            if constexpr (std::is_same_v<T, recent_draft_project>) {
                return fmt::format("project:{}", d.project_id);
            } else if constexpr (std::is_same_v<T, unclassified_event>) {
                return {};
            } else {
                return fmt::format("customer:{}", d.customer_id);
            }
        },
        ev.data);
}

void route_stage::handle_(const queued_event& ev) {
    const auto r = routes_->get();
    auto plan = std::make_shared<delivery_plan>();
    std::vector<std::string> sinks;
    if (r->has_conditions()) {
        plan->normalized = std::make_shared<const nlohmann::json>(
            normalize(ev.event, event_meta{ev.key, ev.id, ev.received_at, ev.request_id}));
        sinks = r->sinks_for(ev.event.type, *plan->normalized);
    } else {
        sinks = r->sinks_for_type(ev.event.type, ev.event.type_label);
    }
    const auto key = order_key_of(ev.event);
    for (auto& s : sinks) {
        const auto* sink = r->sink(s);
        const bool inline_log = sink != nullptr && sink->config.kind == sink_kind::log;
        if (inline_log) {
            std::string error;
            if (!log_->deliver(ev, &error)) {
                throw std::runtime_error(error);
            }
        }
        plan->sinks.push_back(store::new_delivery{std::move(s), key, inline_log});
    }
    // Built here, on a worker, once for all of the event's other sinks: the delivery
    // thread then neither reads the event back nor parses it again.
    const bool delivered_elsewhere =
        std::any_of(plan->sinks.begin(), plan->sinks.end(),
                    [](const store::new_delivery& d) { return !d.done; });
    if (delivered_elsewhere && !plan->normalized) {
        plan->normalized = std::make_shared<const nlohmann::json>(
            normalize(ev.event, event_meta{ev.key, ev.id, ev.received_at, ev.request_id}));
    }
    ev.plan = std::move(plan);
}

void route_stage::flush_() {
    std::string error;
    if (!log_->flush(&error)) {
        throw std::runtime_error(error);
    }
}

}  // namespace solarhook
