#include "solarhook/log/fd_sink.hpp"

#include <string_view>

namespace solarhook::log {

fd_sink::fd_sink(int fd, line_writer::options opts, line_writer::dropped_line report)
    : writer_(fd, opts, std::move(report)) {}

void fd_sink::sink_it_(const spdlog::details::log_msg& msg) {
    writer_.post(std::string_view(msg.payload.data(), msg.payload.size()),
                 msg.level >= spdlog::level::warn);
}

void fd_sink::flush_() {
    writer_.flush(std::chrono::seconds(2));
}

}  // namespace solarhook::log
