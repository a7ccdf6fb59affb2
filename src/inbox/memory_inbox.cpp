#include "solarhook/inbox/memory_inbox.hpp"

#include <fmt/format.h>

#include "solarhook/log/structured.hpp"

namespace solarhook {

void memory_inbox::store(std::vector<inbox_entry> entries, std::string request_id,
                         std::function<void(inbox_outcome)> done) {
    auto slots = queue_.try_reserve(entries.size());
    if (!slots) {
        done(problem{
            queue_.closed() ? errc::draining : errc::overloaded,
            fmt::format("the event queue is full ({} events); retry shortly", queue_.capacity())});
        return;
    }
    const auto now = clock_.now();
    std::vector<store_result> results;
    results.reserve(entries.size());
    for (auto& e : entries) {
        if (dedup_.try_mark(e.key) == mark_result::duplicate) {
            results.push_back(store_result::duplicate);
            continue;
        }
        results.push_back(store_result::stored);
        if (e.event.type == event_type::unclassified &&
            !(routes_unclassified_ && routes_unclassified_(e.event))) {
            // The same rule as the durable store: an event no sink can act on yet is
            // quarantined, not delivered. This store keeps nothing, so it is logged.
            log::warn("unclassified event quarantined (memory store: not kept)",
                      {{"request_id", request_id},
                       {"type", e.event.type_label},
                       {"key", e.key},
                       {"event", nlohmann::json::parse(e.event.canonical, nullptr, false)}});
            continue;
        }
        queued_event q{std::move(e.event), std::move(e.key), request_id, now, 0, 0, false, nullptr};
        try {
            slots->push(std::move(q));  // moves from `q` only once it has succeeded
        } catch (...) {
            dedup_.unmark(q.key);  // never leave a mark for an event not enqueued
            throw;
        }
    }
    done(std::move(results));
}

}  // namespace solarhook
