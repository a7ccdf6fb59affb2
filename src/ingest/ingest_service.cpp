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

ingest_service::ingest_service(const config& cfg, inbox& box)
    : limits_{cfg.limits.max_body_bytes, cfg.limits.max_depth, cfg.limits.max_events_per_request},
      keys_{cfg.dedup.key_templates},
      unknown_(cfg.unknown_events),
      inbox_(box) {}

std::string ingest_service::not_ready_reason() const {
    if (draining_) {
        return "draining";
    }
    return inbox_.not_ready_reason();
}

bool ingest_service::ready() const {
    return !draining_ && inbox_.ready();
}

void ingest_service::ingest(const ingest_request& req, std::function<void(ingest_outcome)> done) {
    if (draining_) {
        return done(problem{errc::draining, "solarhook is shutting down; retry shortly"});
    }
    auto decoded = decode_body(req.body, req.url_type, limits_);
    if (auto* p = std::get_if<problem>(&decoded)) {
        if (p->code == errc::invalid_event || p->code == errc::type_mismatch) {
            // A known type with broken identifiers: refuse it, but keep it for inspection.
            inbox_.quarantine(std::string(req.url_type.value_or("invalid")), std::string(req.body),
                              p->message, std::string(req.request_id));
        }
        return done(std::move(*p));
    }
    auto& events = std::get<std::vector<decoded_event>>(decoded);

    if (unknown_ == unknown_event_policy::reject) {
        for (std::size_t i = 0; i < events.size(); ++i) {
            if (events[i].type == event_type::unclassified) {
                problem p{errc::unknown_event,
                          fmt::format("event [{}] matches no known event type ({}), and "
                                      "unknown_events is \"reject\"",
                                      i, events[i].type_label),
                          nlohmann::json::array({{{"index", i}}})};
                inbox_.quarantine(events[i].type_label, std::string(req.body), p.message,
                                  std::string(req.request_id));
                return done(std::move(p));
            }
        }
    }

    std::vector<inbox_entry> entries;
    std::vector<ingested_event> answer;
    entries.reserve(events.size());
    answer.reserve(events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
        auto& ev = events[i];
        auto key = event_key(ev, keys_, req.delivery_id, i, events.size(), ev.warnings);
        for (const auto& w : ev.warnings) {
            log::warn("event warning", {{"type", ev.type_label},
                                        {"key", key},
                                        {"request_id", req.request_id},
                                        {"warning", w}});
        }
        if (log::get().enabled(log::level::debug)) {
            log::debug("event payload", {{"type", ev.type_label},
                                         {"key", key},
                                         {"request_id", req.request_id},
                                         {"payload", nlohmann::json::parse(ev.canonical)}});
        }
        answer.push_back({ev.type_label, key,
                          ev.type == event_type::unclassified ? ingest_result::unclassified
                                                              : ingest_result::accepted});
        entries.push_back(inbox_entry{std::move(ev), std::move(key), {}, false});
    }
    if (const auto first = req.body.find_first_not_of(" \t\r\n");
        entries.size() == 1 && first != std::string_view::npos && req.body[first] == '{') {
        entries.front().raw_text = req.body;
    }

    inbox_.store(std::move(entries), std::string(req.request_id),
                 [answer = std::move(answer), done = std::move(done)](inbox_outcome out) mutable {
                     if (auto* p = std::get_if<problem>(&out)) {
                         return done(std::move(*p));
                     }
                     const auto& results = std::get<std::vector<store_result>>(out);
                     for (std::size_t i = 0; i < answer.size(); ++i) {
                         if (results[i] == store_result::duplicate) {
                             answer[i].result = ingest_result::duplicate;
                         }
                     }
                     done(std::move(answer));
                 });
}

}  // namespace solarhook
