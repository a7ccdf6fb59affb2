// Remembers which dedup keys were seen, for a TTL. try_mark is the single atomic
// check-and-mark; unmark undoes a mark whose event could not be accepted, so a
// refused delivery leaves nothing behind. Implementations: memory (here), and a
// persistent one later; callers see only this interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace solarhook {

enum class mark_result { marked, duplicate };

struct dedup_stats {
    std::size_t live = 0;
    std::size_t held = 0;       // entries kept, including undone ones not yet reclaimed
    std::uint64_t expired = 0;  // purged after their TTL
    std::uint64_t evicted = 0;  // dropped early to respect the entry bound
};

class dedup_store {
  public:
    virtual ~dedup_store() = default;
    virtual mark_result try_mark(std::string_view key) = 0;
    virtual void unmark(std::string_view key) = 0;
    virtual dedup_stats stats() const = 0;
};

}  // namespace solarhook
