// One thread owns a file descriptor (stdout) and writes what callers queue, so
// no caller ever blocks in write(2) on a reader that stopped reading. Overflow
// policy: a diagnostic line that would take the queue past `max_pending_bytes`
// is dropped and counted; once a write succeeds again, one line saying how many
// were dropped is written. Event lines are never dropped: their poster waits,
// up to a deadline, until they are written; at the deadline its lines not yet
// taken by the writer are withdrawn, so a retry does not write them twice.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace solarhook::log {

class line_writer {
  public:
    struct options {
        std::size_t max_pending_bytes;  // the caller's (config: log_queue_bytes)
        // Lines wait at most this long; a warning or an event line goes at once.
        std::chrono::milliseconds flush_every{1000};
        // How long destruction waits for a stalled reader before giving up.
        std::chrono::milliseconds close_wait{2000};
    };
    // The line reporting `n` dropped lines. Lines are passed without their '\n'.
    using dropped_line = std::function<std::string(std::uint64_t n)>;

    line_writer(int fd, options opts, dropped_line report);
    ~line_writer();
    line_writer(const line_writer&) = delete;
    line_writer& operator=(const line_writer&) = delete;

    // Queues a diagnostic line; never waits. urgent: wake the writer now.
    void post(std::string_view line, bool urgent);
    // Queues an event line for `owner` (a batch id from new_owner()); returns its ticket.
    std::uint64_t post_event(std::string_view line, std::uint64_t owner);
    // True once every line of `owner` up to `last_ticket` is written; false if a
    // write failed, or at the deadline (after withdrawing what was not taken).
    bool wait_event(std::uint64_t owner, std::uint64_t last_ticket,
                    std::chrono::steady_clock::time_point deadline);
    std::uint64_t new_owner();
    // Writes everything queued so far, waiting at most `timeout`; false if it could not.
    bool flush(std::chrono::milliseconds timeout);

    std::uint64_t dropped() const;

  private:
    struct state;
    std::shared_ptr<state> state_;
};

}  // namespace solarhook::log
