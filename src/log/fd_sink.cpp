#include "solarhook/log/fd_sink.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace solarhook::log {

fd_sink::fd_sink(int fd, std::size_t buffer_bytes) : fd_(fd), limit_(buffer_bytes) {
    buffer_.reserve(limit_ + 1024);
}

fd_sink::~fd_sink() {
    try {
        std::lock_guard lock(mutex_);
        write_all_();
    } catch (...) {
        // Nothing left to report a failed last write to.
    }
}

void fd_sink::sink_it_(const spdlog::details::log_msg& msg) {
    formatted_.clear();
    formatter_->format(msg, formatted_);
    buffer_.append(formatted_.data(), formatted_.size());
    if (buffer_.size() >= limit_) {
        write_all_();
    }
}

void fd_sink::flush_() {
    write_all_();
}

void fd_sink::write_all_() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
        const auto n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int err = errno;
            // Keep what was not written, so a later flush may still succeed; past
            // a bound, drop it rather than grow without limit. The caller learns
            // of the failure either way.
            buffer_.erase(0, done);
            if (buffer_.size() > 4 * limit_) {
                buffer_.clear();
            }
            throw spdlog::spdlog_ex("log write failed", err);
        }
        done += static_cast<std::size_t>(n);
    }
    buffer_.clear();
}

}  // namespace solarhook::log
