// Structured log records on top of spdlog: each record is a message plus a JSON
// object of fields, rendered as one JSON line (ts, level, msg, fields...) or one
// text line. Rendering escapes everything and replaces invalid UTF-8, so no
// payload can break a line or throw from a log call.
#pragma once

#include <spdlog/common.h>
#include <spdlog/logger.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "solarhook/config/config.hpp"
#include "solarhook/core/clock.hpp"
#include "solarhook/core/json_text.hpp"
#include "solarhook/log/line_writer.hpp"
#include "solarhook/log/redact.hpp"

namespace solarhook::log {

using level = spdlog::level::level_enum;

// Writes a record's fields straight into its line. For the per-request records
// (access, event), where building a json object only to serialise it again was a
// quarter of a request's instructions (callgrind).
// With a redactor, a field it names is written as "***", and structured values
// have theirs replaced at any depth.
class line_fields {
  public:
    line_fields(std::string& line, log_format fmt, const redactor* redact = nullptr);
    line_fields& str(std::string_view key, std::string_view value);
    line_fields& num(std::string_view key, std::int64_t value);
    line_fields& num(std::string_view key, std::uint64_t value);
    line_fields& json(std::string_view key, const nlohmann::json& value);
    // `text` is written as it is, so it must be JSON on one line (canonical JSON is).
    line_fields& json_text(std::string_view key, std::string_view text);

  private:
    void key_(std::string_view key);
    std::string& line_;
    log_format fmt_;
    const redactor* redact_;
    json_object_writer object_;  // JSON lines only
};

// The calling thread's line buffer, empty, kept between lines: a fresh string per
// line cost an allocation per request. A line begun while another is being
// written on the same thread gets a buffer of its own; a buffer grown past 64 KiB
// is given back rather than kept.
class line_lease {
  public:
    line_lease();
    ~line_lease();
    line_lease(const line_lease&) = delete;
    line_lease& operator=(const line_lease&) = delete;
    std::string& line() noexcept { return *line_; }

  private:
    std::string own_;
    std::string* line_;
    bool took_;
};

// Pure rendering, unit-tested directly: begin_line, fields, end_line.
void begin_line(std::string& line, log_format fmt, clock::time_point ts, level lvl,
                std::string_view msg);
void end_line(std::string& line, log_format fmt);
std::string render_line(log_format fmt, clock::time_point ts, level lvl, std::string_view msg,
                        const nlohmann::json& fields, const redactor* redact = nullptr);

// JSON dump that never throws on bad UTF-8 (replaces it) and escapes controls.
std::string safe_dump(const nlohmann::json& j);

// Lines at info and below are buffered and reach the output within a second
// (with the default stdout sink, whose writer thread owns stdout: see
// line_writer.hpp); warnings and errors go at once. No log call waits on the
// reader. Event lines (the log sink's deliveries) are the exception: a worker
// posts them with write_event() and then waits for them in finish_events().
class structured_logger {
  public:
    structured_logger(std::shared_ptr<spdlog::logger> out, log_format fmt, redactor redact = {});
    ~structured_logger();
    structured_logger(const structured_logger&) = delete;
    structured_logger& operator=(const structured_logger&) = delete;

    bool enabled(level lvl) const noexcept { return out_->should_log(lvl); }
    void write(level lvl, std::string_view msg, const nlohmann::json& fields = {}) noexcept;
    // Like write(), with the fields written by `fill(line_fields&)`.
    template <class Fill>
    void write_with(level lvl, std::string_view msg, Fill&& fill) noexcept {
        render_(lvl, msg, fill, false);
    }
    // An info line that is a delivery: never dropped. The calling thread's event
    // lines since its last finish_events() form one batch.
    template <class Fill>
    void write_event(std::string_view msg, Fill&& fill) {
        render_(level::info, msg, fill, true);
    }
    // Returns once the calling thread's batch is written; throws if a write
    // failed or `timeout` passed first (its lines not yet taken are withdrawn).
    void finish_events(std::chrono::milliseconds timeout);
    void flush() noexcept;
    // Diagnostic lines dropped because the output could not keep up.
    std::uint64_t dropped() const noexcept;

  private:
    template <class Fill>
    void render_(level lvl, std::string_view msg, Fill& fill, bool event) noexcept(false) {
        if (!enabled(lvl)) {
            return;
        }
        try {
            line_lease lease;
            std::string& line = lease.line();
            begin_line(line, fmt_, std::chrono::system_clock::now(), lvl, msg);
            line_fields f(line, fmt_, redact_.empty() ? nullptr : &redact_);
            fill(f);
            end_line(line, fmt_);
            if (event) {
                emit_event_(line);
            } else {
                emit_(lvl, line);
            }
        } catch (...) {
            if (event) {
                throw;  // a delivery that was not written must fail
            }
            // A diagnostic must never take a request or a worker down with it.
        }
    }
    void emit_(level lvl, const std::string& line);
    void emit_event_(const std::string& line);
    std::shared_ptr<spdlog::logger> out_;
    log_format fmt_;
    redactor redact_;
    line_writer* writer_ = nullptr;  // the stdout sink's, when that is the sink
};

// Process-wide logger: stdout, JSON, info until init() says otherwise.
structured_logger& get();
// How long an info line may wait in the stdout buffer.
inline constexpr std::chrono::milliseconds k_stdout_flush_every{1000};
// Replaces the process-wide logger; sink defaults to stdout through a
// line_writer that holds at most `queue_bytes` of diagnostic lines. `redact`:
// field names (or prefix*) whose values every line shows as "***".
void init(log_format fmt, level lvl, spdlog::sink_ptr sink = nullptr,
          std::size_t queue_bytes = k_default_log_queue_bytes,
          std::vector<std::string> redact = {});

inline void info(std::string_view msg, const nlohmann::json& f = {}) {
    get().write(level::info, msg, f);
}
inline void warn(std::string_view msg, const nlohmann::json& f = {}) {
    get().write(level::warn, msg, f);
}
inline void error(std::string_view msg, const nlohmann::json& f = {}) {
    get().write(level::err, msg, f);
}
inline void debug(std::string_view msg, const nlohmann::json& f = {}) {
    get().write(level::debug, msg, f);
}

}  // namespace solarhook::log
