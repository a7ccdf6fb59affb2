#include "solarhook/inbox/memory_inbox.hpp"

#include <fmt/format.h>

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
        try {
            slots->push(queued_event{std::move(e.event), e.key, request_id, now});
        } catch (...) {
            dedup_.unmark(e.key);  // never leave a mark for an event not enqueued
            throw;
        }
    }
    done(std::move(results));
}

}  // namespace solarhook
