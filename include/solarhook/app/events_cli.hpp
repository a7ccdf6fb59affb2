// `solarhook events list|show|replay|stats`: an operator's view of the journal,
// safe while the daemon runs (WAL readers never block the writer; replay waits
// for the write lock up to a timeout). Human tables by default, --json for
// scripts. Exit codes: 0 done, 1 the database is missing or locked, 2 bad usage.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "solarhook/store/event_store.hpp"

namespace solarhook::app {

int run_events_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// "2026-11-29T10:00:00Z" or a span back from now: "90s", "15m", "2h", "7d".
std::optional<store::millis> parse_since(const std::string& text, store::millis now);

}  // namespace solarhook::app
