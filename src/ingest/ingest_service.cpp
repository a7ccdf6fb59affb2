#include "solarhook/ingest/ingest_service.hpp"

#include <fmt/format.h>

#include "solarhook/log/structured.hpp"

namespace solarhook {

std::string_view result_name(ingest_result r) noexcept {
    switch (r) {
        case ingest_result::accepted:
            return "accepted";
        case ingest_result::duplicate:
            return "duplicate";
        case ingest_result::unclassified:
            return "unclassified";
    }
    return "accepted";
}

ingest_service::ingest_service(const config& cfg, dedup_store& dedup, event_queue& queue,
                               const clock& clk)
    : limits_{cfg.limits.max_body_bytes, cfg.limits.max_depth, cfg.limits.max_events_per_request},
      keys_{cfg.dedup.key_templates},
      unknown_(cfg.unknown_events),
      dedup_(dedup),
      queue_(queue),
      clock_(clk) {}

bool ingest_service::ready() const {
    return !draining_ && !queue_.full();
}

std::variant<std::vector<ingested_event>, problem> ingest_service::ingest(
    const ingest_request& req) {
    if (draining_) {
        return problem{errc::draining, "solarhook is shutting down; retry shortly"};
    }
    auto decoded = decode_body(req.body, req.url_type, limits_);
    if (auto* p = std::get_if<problem>(&decoded)) {
        return std::move(*p);
    }
    auto& events = std::get<std::vector<decoded_event>>(decoded);

    if (unknown_ == unknown_event_policy::reject) {
        for (std::size_t i = 0; i < events.size(); ++i) {
            if (events[i].type == event_type::unclassified) {
                return problem{errc::unknown_event,
                               fmt::format("event [{}] matches no known event type ({}), and "
                                           "unknown_events is \"reject\"",
                                           i, events[i].type_label),
                               nlohmann::json::array({{{"index", i}}})};
            }
        }
    }

    std::vector<std::string> keys;
    keys.reserve(events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
        keys.push_back(
            event_key(events[i], keys_, req.delivery_id, i, events.size(), events[i].warnings));
    }

    auto slots = queue_.try_reserve(events.size());
    if (!slots) {
        return problem{
            queue_.closed() ? errc::draining : errc::overloaded,
            fmt::format("the event queue is full ({} events); retry shortly", queue_.capacity())};
    }

    const auto now = clock_.now();
    std::vector<ingested_event> out;
    out.reserve(events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
        auto& ev = events[i];
        ingest_result result = ev.type == event_type::unclassified ? ingest_result::unclassified
                                                                   : ingest_result::accepted;
        if (dedup_.try_mark(keys[i]) == mark_result::duplicate) {
            result = ingest_result::duplicate;
        }
        for (const auto& w : ev.warnings) {
            log::warn("event warning", {{"type", ev.type_label},
                                        {"key", keys[i]},
                                        {"request_id", req.request_id},
                                        {"warning", w}});
        }
        if (log::get().enabled(log::level::debug)) {
            log::debug("event payload", {{"type", ev.type_label},
                                         {"key", keys[i]},
                                         {"request_id", req.request_id},
                                         {"payload", ev.raw}});
        }
        out.push_back({ev.type_label, keys[i], result});
        if (result == ingest_result::duplicate) {
            continue;
        }
        try {
            slots->push(queued_event{std::move(ev), keys[i], std::string(req.request_id), now});
        } catch (...) {
            dedup_.unmark(keys[i]);  // never leave a mark for an event not enqueued
            throw;
        }
    }
    return out;
}

}  // namespace solarhook
