// Structured log records on top of spdlog: each record is a message plus a JSON
// object of fields, rendered as one JSON line (ts, level, msg, fields...) or one
// text line. Rendering escapes everything and replaces invalid UTF-8, so no
// payload can break a line or throw from a log call.
#pragma once

#include <spdlog/common.h>
#include <spdlog/logger.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>

#include "solarhook/config/config.hpp"
#include "solarhook/core/clock.hpp"

namespace solarhook::log {

using level = spdlog::level::level_enum;

// Writes a record's fields straight into its line. For the per-request records
// (access, event), where building a json object only to serialise it again was a
// quarter of a request's instructions (callgrind).
class line_fields {
  public:
    line_fields(std::string& line, log_format fmt);
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
                        const nlohmann::json& fields);

// JSON dump that never throws on bad UTF-8 (replaces it) and escapes controls.
std::string safe_dump(const nlohmann::json& j);

// Lines at info and below are buffered by the sink and reach it at the latest
// after `flush_every` (a background thread; zero: none); warnings and errors are
// flushed at once; flush() forces everything out.
class structured_logger {
  public:
    structured_logger(std::shared_ptr<spdlog::logger> out, log_format fmt,
                      std::chrono::milliseconds flush_every = std::chrono::milliseconds(0));
    ~structured_logger();
    structured_logger(const structured_logger&) = delete;
    structured_logger& operator=(const structured_logger&) = delete;

    bool enabled(level lvl) const noexcept { return out_->should_log(lvl); }
    void write(level lvl, std::string_view msg, const nlohmann::json& fields = {}) noexcept;
    // Like write(), with the fields written by `fill(line_fields&)`.
    template <class Fill>
    void write_with(level lvl, std::string_view msg, Fill&& fill) noexcept {
        if (!enabled(lvl)) {
            return;
        }
        try {
            line_lease lease;
            std::string& line = lease.line();
            begin_line(line, fmt_, std::chrono::system_clock::now(), lvl, msg);
            line_fields f(line, fmt_);
            fill(f);
            end_line(line, fmt_);
            emit_(lvl, line);
        } catch (...) {
            // A log call must never take a request or a worker down with it.
        }
    }
    void flush() noexcept;
    // Like flush(), but reports a failed write (e.g. EPIPE) to a caller that must
    // know its lines were written.
    void flush_or_throw();

  private:
    void emit_(level lvl, const std::string& line);
    std::shared_ptr<spdlog::logger> out_;
    log_format fmt_;
    std::mutex flusher_mutex_;
    std::condition_variable flusher_cv_;
    bool stopping_ = false;
    std::thread flusher_;
};

// Process-wide logger: stdout, JSON, info until init() says otherwise.
structured_logger& get();
// How long an info line may wait in the stdout buffer.
inline constexpr std::chrono::milliseconds k_stdout_flush_every{1000};
// Replaces the process-wide logger; sink defaults to buffered stdout.
void init(log_format fmt, level lvl, spdlog::sink_ptr sink = nullptr);

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
