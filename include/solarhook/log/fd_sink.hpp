// spdlog sink that appends rendered lines to a buffer and writes it to a file
// descriptor in large pieces: when the buffer passes `buffer_bytes`, on flush(),
// and (driven by structured_logger) at a fixed interval. One write() per many
// lines instead of one per line; a caller that needs its line on the fd before
// it goes on (the event log sink) calls flush().
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <cstddef>
#include <mutex>
#include <string>

namespace solarhook::log {

class fd_sink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    explicit fd_sink(int fd, std::size_t buffer_bytes = 64 * 1024);
    ~fd_sink() override;

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override;
    void flush_() override;

  private:
    void write_all_();

    int fd_;
    std::size_t limit_;
    std::string buffer_;
    // Reused for every line: a line longer than the format buffer's inline 250
    // bytes would otherwise cost an allocation each time.
    spdlog::memory_buf_t formatted_;
};

}  // namespace solarhook::log
