#include "solarhook/log/structured.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <iterator>
#include <mutex>
#include <vector>

#include "solarhook/core/json_text.hpp"
#include "solarhook/log/fd_sink.hpp"

namespace solarhook::log {
namespace {

std::string_view level_name(level lvl) {
    switch (lvl) {
        case level::trace:
            return "trace";
        case level::debug:
            return "debug";
        case level::info:
            return "info";
        case level::warn:
            return "warn";
        case level::err:
            return "error";
        case level::critical:
            return "critical";
        default:
            return "off";
    }
}

std::shared_ptr<spdlog::logger> make_spdlog(level lvl, spdlog::sink_ptr sink, log_format fmt,
                                            std::size_t queue_bytes = k_default_log_queue_bytes) {
    if (!sink) {
        sink = std::make_shared<fd_sink>(STDOUT_FILENO,
                                         line_writer::options{queue_bytes, k_stdout_flush_every,
                                                              std::chrono::milliseconds(2000)},
                                         [fmt](std::uint64_t n) {
                                             return render_line(
                                                 fmt, std::chrono::system_clock::now(), level::warn,
                                                 "log lines dropped: the output did not keep up",
                                                 nlohmann::json{{"dropped", n}});
                                         });
    }
    auto lg = std::make_shared<spdlog::logger>("solarhook", std::move(sink));
    // The record is fully rendered by render_line; spdlog only frames it.
    lg->set_pattern("%v");
    lg->set_level(lvl);
    // The stdout sink's writer decides when lines go out; flush_on(warn) keeps a
    // test's (synchronous) sink in step.
    lg->flush_on(level::warn);
    return lg;
}

// Loggers are never freed once published: a reader may still hold the old one
// while init() swaps in a new one, and init() runs a handful of times at most.
std::mutex g_init_mutex;
std::vector<std::unique_ptr<structured_logger>> g_all;
std::atomic<structured_logger*> g_current{nullptr};

structured_logger* publish(std::unique_ptr<structured_logger> fresh) {
    auto* raw = fresh.get();
    g_all.push_back(std::move(fresh));
    g_current.store(raw, std::memory_order_release);
    return raw;
}

}  // namespace

std::string safe_dump(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// JSON lines continue the object begin_line opened with ts, level and msg.
line_fields::line_fields(std::string& line, log_format fmt, const redactor* redact)
    : line_(line), fmt_(fmt), redact_(redact), object_(line, true) {}

void line_fields::key_(std::string_view key) {
    if (fmt_ == log_format::json) {
        object_.key(key);
        return;
    }
    line_ += ' ';
    const bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
    });
    if (plain) {
        line_ += key;
    } else {
        append_json_string(line_, key);
    }
    line_ += '=';
}

line_fields& line_fields::str(std::string_view key, std::string_view value) {
    key_(key);
    append_json_string(line_, redact_ != nullptr && redact_->matches(key) ? "***" : value);
    return *this;
}

line_fields& line_fields::num(std::string_view key, std::int64_t value) {
    key_(key);
    append_int(line_, value);
    return *this;
}

line_fields& line_fields::num(std::string_view key, std::uint64_t value) {
    key_(key);
    append_int(line_, value);
    return *this;
}

line_fields& line_fields::json(std::string_view key, const nlohmann::json& value) {
    key_(key);
    if (redact_ == nullptr || !value.is_structured()) {
        line_ += redact_ != nullptr && redact_->matches(key) ? "\"***\"" : safe_dump(value);
        return *this;
    }
    if (redact_->matches(key)) {
        line_ += "\"***\"";
        return *this;
    }
    auto copy = value;
    redact_->apply(copy);
    line_ += safe_dump(copy);
    return *this;
}

line_fields& line_fields::json_text(std::string_view key, std::string_view text) {
    key_(key);
    if (redact_ == nullptr) {
        line_ += text;
    } else if (redact_->matches(key)) {
        line_ += "\"***\"";
    } else if (auto redacted = redact_->apply_text(text)) {
        line_ += *redacted;
    } else {
        line_ += text;
    }
    return *this;
}

namespace {
thread_local std::string t_line;
thread_local bool t_line_taken = false;
constexpr std::size_t k_line_keep_bytes = 64 * 1024;
}  // namespace

line_lease::line_lease() : line_(t_line_taken ? &own_ : &t_line), took_(!t_line_taken) {
    t_line_taken = true;
    line_->clear();
}

line_lease::~line_lease() {
    if (took_) {
        if (t_line.capacity() > k_line_keep_bytes) {
            std::string().swap(t_line);
        }
        t_line_taken = false;
    }
}

void begin_line(std::string& line, log_format fmt, clock::time_point ts, level lvl,
                std::string_view msg) {
    line.reserve(512);
    if (fmt == log_format::json) {
        json_object_writer obj(line);
        obj.key("ts");
        line += '"';
        append_rfc3339(line, ts);
        line += '"';
        obj.str("level", level_name(lvl)).str("msg", msg);
    } else {
        append_rfc3339(line, ts);
        line += ' ';
        line += level_name(lvl);
        line += ' ';
        // Unquoted, but still escaped: the message is ours, stay line-safe anyway.
        std::string m;
        append_json_string(m, msg);
        line.append(m, 1, m.size() - 2);
    }
}

void end_line(std::string& line, log_format fmt) {
    if (fmt == log_format::json) {
        line += '}';
    }
}

std::string render_line(log_format fmt, clock::time_point ts, level lvl, std::string_view msg,
                        const nlohmann::json& fields, const redactor* redact) {
    std::string line;
    begin_line(line, fmt, ts, lvl, msg);
    if (fields.is_object()) {
        line_fields f(line, fmt, redact);
        for (const auto& [k, v] : fields.items()) {
            f.json(k, v);
        }
    }
    end_line(line, fmt);
    return line;
}

structured_logger::structured_logger(std::shared_ptr<spdlog::logger> out, log_format fmt,
                                     redactor redact)
    : out_(std::move(out)), fmt_(fmt), redact_(std::move(redact)) {
    if (out_->sinks().size() == 1) {
        if (auto* fd = dynamic_cast<fd_sink*>(out_->sinks().front().get())) {
            writer_ = &fd->writer();
        }
    }
}

structured_logger::~structured_logger() {
    flush();
}

void structured_logger::write(level lvl, std::string_view msg,
                              const nlohmann::json& fields) noexcept {
    if (!out_->should_log(lvl)) {
        return;
    }
    try {
        emit_(lvl, render_line(fmt_, std::chrono::system_clock::now(), lvl, msg, fields,
                               redact_.empty() ? nullptr : &redact_));
    } catch (...) {
        // A log call must never take a request or a worker down with it.
    }
}

void structured_logger::emit_(level lvl, const std::string& line) {
    out_->log(lvl, spdlog::string_view_t(line.data(), line.size()));
}

void structured_logger::flush() noexcept {
    try {
        out_->flush();
    } catch (...) {
    }
}

namespace {
// The calling thread's open batch of event lines.
struct event_batch {
    line_writer* writer = nullptr;
    std::uint64_t owner = 0;
    std::uint64_t last = 0;
};
thread_local event_batch t_batch;
}  // namespace

void structured_logger::emit_event_(const std::string& line) {
    if (writer_ == nullptr) {
        emit_(level::info, line);  // a test's synchronous sink
        return;
    }
    if (t_batch.writer != writer_ || t_batch.owner == 0) {
        t_batch = event_batch{writer_, writer_->new_owner(), 0};
    }
    t_batch.last = writer_->post_event(line, t_batch.owner);
}

void structured_logger::finish_events(std::chrono::milliseconds timeout) {
    if (writer_ == nullptr) {
        // spdlog's logger::flush() reports sink errors to its handler instead of
        // throwing, so go to the sinks directly.
        for (const auto& sink : out_->sinks()) {
            sink->flush();
        }
        return;
    }
    if (t_batch.writer != writer_ || t_batch.owner == 0) {
        return;
    }
    const auto batch = t_batch;
    t_batch = event_batch{};
    if (!writer_->wait_event(batch.owner, batch.last, std::chrono::steady_clock::now() + timeout)) {
        throw std::runtime_error(fmt::format(
            "event lines not written to the log within {} ms (a stalled reader, or a failed "
            "write)",
            timeout.count()));
    }
}

std::uint64_t structured_logger::dropped() const noexcept {
    return writer_ != nullptr ? writer_->dropped() : 0;
}

structured_logger& get() {
    if (auto* cur = g_current.load(std::memory_order_acquire)) {
        return *cur;
    }
    std::lock_guard lock(g_init_mutex);
    if (auto* cur = g_current.load(std::memory_order_acquire)) {
        return *cur;
    }
    return *publish(std::make_unique<structured_logger>(
        make_spdlog(level::info, nullptr, log_format::json), log_format::json));
}

void init(log_format fmt, level lvl, spdlog::sink_ptr sink, std::size_t queue_bytes,
          std::vector<std::string> redact) {
    std::lock_guard lock(g_init_mutex);
    publish(std::make_unique<structured_logger>(make_spdlog(lvl, std::move(sink), fmt, queue_bytes),
                                                fmt, redactor(std::move(redact))));
}

}  // namespace solarhook::log
