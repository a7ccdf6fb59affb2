// The vocabulary of delivery: a job (one delivery of one event to one sink), the
// result of one attempt at it, the driver that makes attempts (http, exec, file)
// and the journal that keeps jobs and their outcomes (the SQLite store, or
// memory). Drivers run on the engine's io thread and must not block it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "solarhook/core/clock.hpp"
#include "solarhook/store/event_store.hpp"

namespace solarhook::deliver {

struct job {
    std::int64_t id = 0;  // the delivery's row id (the memory journal numbers its own)
    std::int64_t event_id = 0;
    std::string sink;
    std::string order_key;  // empty: unordered
    int attempts = 0;       // earlier attempts
    store::millis next_attempt_at = 0;
    store::millis received_at = 0;  // the event's
    // The normalized event (decode/normalized.hpp); null: the journal reads it.
    std::shared_ptr<const nlohmann::json> normalized;
};

enum class attempt_kind { success, retry, permanent };

struct attempt_result {
    attempt_kind kind = attempt_kind::success;
    std::string error;          // empty on success
    std::optional<int> status;  // HTTP status, or an exec exit code
    std::string response;       // the first bytes of the answer (1 KiB http, 4 KiB exec)
    std::optional<std::chrono::milliseconds> retry_after;  // the least delay before a retry
};

class sink_driver {
  public:
    virtual ~sink_driver() = default;
    // One attempt at delivering `normalized`; `done` runs once, on the io thread.
    virtual void start(const nlohmann::json& normalized,
                       std::function<void(attempt_result)> done) = 0;
    // SIGHUP: reopen files (logrotate).
    virtual void reopen() {}
    // Stop taking attempts; those in flight end with a retry.
    virtual void close() {}
};

class journal {
  public:
    virtual ~journal() = default;
    // Records an attempt's outcome; `done(ok)` runs on any thread once it is kept.
    virtual void record(const store::delivery_outcome& o, std::function<void(bool ok)> done) = 0;
    // Pending jobs for `sink` with ids above `after_id`, in id order (engine thread).
    // The memory journal has none.
    virtual std::vector<job> pending(const std::string& sink, std::int64_t after_id, int limit) = 0;
    // The normalized event behind a job without one; null if it is gone (engine thread).
    virtual std::shared_ptr<const nlohmann::json> event(std::int64_t event_id) = 0;
    // The sinks that have pending deliveries (engine thread).
    virtual std::vector<std::string> pending_sinks() { return {}; }
    // Whether pending() can hold more than the engine keeps in memory.
    virtual bool on_disk() const = 0;
};

}  // namespace solarhook::deliver
