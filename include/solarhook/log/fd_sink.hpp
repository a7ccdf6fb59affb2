// spdlog sink that hands each rendered line to a line_writer, which writes a
// file descriptor from its own thread: a log call never waits on the reader.
// Warnings and above are written at once, the rest within `flush_every`; past
// the writer's bound lines are dropped and counted (see line_writer.hpp).
#pragma once

#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>

#include <chrono>
#include <cstddef>

#include "solarhook/log/line_writer.hpp"

namespace solarhook::log {

// null_mutex: the writer is thread-safe, and a formatter is never used (the
// structured logger renders every line itself).
class fd_sink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
  public:
    fd_sink(int fd, line_writer::options opts, line_writer::dropped_line report);
    line_writer& writer() noexcept { return writer_; }

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override;
    // Bounded: a stalled reader makes flush give up, not hang.
    void flush_() override;

  private:
    line_writer writer_;
};

}  // namespace solarhook::log
