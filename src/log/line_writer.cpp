#include "solarhook/log/line_writer.hpp"

#include "solarhook/core/thread_name.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

namespace solarhook::log {
namespace {
// Pending bytes that wake the writer at once: one write(2) per 64 KiB at most.
constexpr std::size_t k_write_at_bytes = 64 * 1024;
}  // namespace

struct line_writer::state {
    struct span {
        std::size_t offset;
        std::size_t length;
        std::uint64_t owner;
    };

    int fd;
    options opts;
    dropped_line report;

    std::mutex mutex;
    std::condition_variable wake;     // the writer thread
    std::condition_variable written;  // posters waiting for their lines
    std::string pending;
    std::vector<span> spans;     // event lines in `pending`, in order
    std::uint64_t posted = 0;    // tickets handed out (diagnostics and events)
    std::uint64_t resolved = 0;  // every ticket up to here is written, failed or withdrawn
    std::uint64_t owners = 0;
    std::unordered_set<std::uint64_t> failed_owners;
    std::uint64_t dropped = 0;
    std::uint64_t dropped_reported = 0;
    bool urgent = false;
    bool stopping = false;
    bool exited = false;

    void run();
    bool write_all(const std::string& bytes, std::size_t& done);
    void withdraw_locked(std::uint64_t owner);
};

bool line_writer::state::write_all(const std::string& bytes, std::size_t& done) {
    while (done < bytes.size()) {
        const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

void line_writer::state::run() {
    std::string writing;
    std::vector<span> taken;
    std::unique_lock lock(mutex);
    for (;;) {
        wake.wait_for(lock, opts.flush_every, [this] { return stopping || urgent; });
        urgent = false;
        if (pending.empty()) {
            if (stopping) {
                break;
            }
            continue;
        }
        writing.swap(pending);
        taken.swap(spans);
        const auto upto = posted;
        lock.unlock();

        std::size_t done = 0;
        const bool ok = write_all(writing, done);

        lock.lock();
        if (!ok) {
            for (const auto& s : taken) {
                failed_owners.insert(s.owner);
            }
            // Diagnostics in the unwritten rest count as dropped; event lines fail instead.
            dropped += static_cast<std::uint64_t>(
                std::count(writing.begin() + static_cast<std::ptrdiff_t>(done), writing.end(),
                           '\n') -
                std::count_if(taken.begin(), taken.end(),
                              [&](const span& s) { return s.offset + s.length > done; }));
            if (failed_owners.size() > 4096) {
                failed_owners.clear();  // owners that never asked; nobody will
            }
        } else if (dropped > dropped_reported && report) {
            try {
                const auto line = report(dropped - dropped_reported) + '\n';
                pending.insert(0, line);
                for (auto& s : spans) {
                    s.offset += line.size();
                }
                dropped_reported = dropped;
                urgent = true;
            } catch (...) {
            }
        }
        resolved = upto;
        writing.clear();
        if (writing.capacity() > (1u << 20)) {
            std::string().swap(writing);
        }
        taken.clear();
        written.notify_all();
    }
    exited = true;
    written.notify_all();
}

void line_writer::state::withdraw_locked(std::uint64_t owner) {
    if (std::none_of(spans.begin(), spans.end(), [&](const span& s) { return s.owner == owner; })) {
        return;
    }
    std::string kept;
    kept.reserve(pending.size());
    std::vector<span> kept_spans;
    std::size_t from = 0;
    for (const auto& s : spans) {
        kept.append(pending, from, s.offset - from);
        from = s.offset + s.length;
        if (s.owner != owner) {
            kept_spans.push_back(span{kept.size(), s.length, s.owner});
            kept.append(pending, s.offset, s.length);
        }
    }
    kept.append(pending, from, std::string::npos);
    pending.swap(kept);
    spans.swap(kept_spans);
}

line_writer::line_writer(int fd, options opts, dropped_line report)
    : state_(std::make_shared<state>()) {
    state_->fd = fd;
    state_->opts = opts;
    state_->report = std::move(report);
    // The thread holds the state, not `this`: a writer stuck on a reader that
    // never resumes can be left behind at exit without touching freed memory.
    std::thread([s = state_] {
        name_this_thread("sh-log");
        s->run();
    }).detach();
}

line_writer::~line_writer() {
    std::unique_lock lock(state_->mutex);
    state_->stopping = true;
    state_->wake.notify_all();
    state_->written.wait_for(lock, state_->opts.close_wait, [this] { return state_->exited; });
}

void line_writer::post(std::string_view line, bool urgent) {
    std::lock_guard lock(state_->mutex);
    auto& s = *state_;
    if (s.pending.size() + line.size() + 1 > s.opts.max_pending_bytes) {
        ++s.dropped;
        return;
    }
    s.pending.append(line);
    s.pending += '\n';
    ++s.posted;
    if (urgent || s.pending.size() >= k_write_at_bytes) {
        s.urgent = true;
        s.wake.notify_one();
    }
}

std::uint64_t line_writer::post_event(std::string_view line, std::uint64_t owner) {
    std::lock_guard lock(state_->mutex);
    auto& s = *state_;
    s.spans.push_back(state::span{s.pending.size(), line.size() + 1, owner});
    s.pending.append(line);
    s.pending += '\n';
    // No wake-up per line: the poster wakes the writer once, when it waits for its
    // batch (a wake-up and a write per event cost the pinned core its p99).
    if (s.pending.size() >= k_write_at_bytes) {
        s.urgent = true;
        s.wake.notify_one();
    }
    return ++s.posted;
}

bool line_writer::wait_event(std::uint64_t owner, std::uint64_t last_ticket,
                             std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(state_->mutex);
    auto& s = *state_;
    if (s.resolved < last_ticket) {
        s.urgent = true;
        s.wake.notify_one();
    }
    const bool resolved =
        s.written.wait_until(lock, deadline, [&] { return s.resolved >= last_ticket || s.exited; });
    if (!resolved || s.resolved < last_ticket) {
        s.withdraw_locked(owner);
        return false;
    }
    return s.failed_owners.erase(owner) == 0;
}

std::uint64_t line_writer::new_owner() {
    std::lock_guard lock(state_->mutex);
    return ++state_->owners;
}

bool line_writer::flush(std::chrono::milliseconds timeout) {
    std::unique_lock lock(state_->mutex);
    auto& s = *state_;
    const auto upto = s.posted;
    s.urgent = true;
    s.wake.notify_one();
    return s.written.wait_for(lock, timeout, [&] { return s.resolved >= upto || s.exited; }) &&
           s.resolved >= upto;
}

std::uint64_t line_writer::dropped() const {
    std::lock_guard lock(state_->mutex);
    return state_->dropped;
}

}  // namespace solarhook::log
