#include "solarhook/sinks/file_sink.hpp"

#include "solarhook/core/thread_name.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace solarhook::sinks {

file_sink::file_sink(const sink_config& cfg, boost::asio::io_context& io)
    : path_(cfg.path),
      rotate_bytes_(cfg.rotate_bytes),
      keep_(cfg.keep),
      fsync_(cfg.fsync == fsync_policy::batch),
      io_(io) {
    thread_ = std::thread([this] {
        name_this_thread("sh-file");
        run_();
    });
}

file_sink::~file_sink() {
    close();
    if (thread_.joinable()) {
        thread_.join();
    }
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

void file_sink::start(const nlohmann::json& normalized,
                      std::function<void(deliver::attempt_result)> done) {
    std::string text = normalized.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    text += '\n';
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            queue_.push_back(line{std::move(text), std::move(done)});
            wake_.notify_one();
            return;
        }
    }
    boost::asio::post(io_, [done = std::move(done)] {
        done(deliver::attempt_result{
            deliver::attempt_kind::retry, "the file sink is closing", {}, {}, {}});
    });
}

void file_sink::reopen() {
    std::lock_guard lock(mutex_);
    reopen_ = true;
}

void file_sink::close() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
}

void file_sink::open_() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    if (const auto dir = std::filesystem::path(path_).parent_path(); !dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
    }
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd_ < 0) {
        throw std::runtime_error(fmt::format("cannot open {}: {}", path_, std::strerror(errno)));
    }
    struct stat st {};
    size_ = ::fstat(fd_, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

void file_sink::rotate_() {
    std::error_code ec;
    std::filesystem::remove(fmt::format("{}.{}", path_, keep_), ec);
    for (unsigned i = keep_; i > 1; --i) {
        std::filesystem::rename(fmt::format("{}.{}", path_, i - 1), fmt::format("{}.{}", path_, i),
                                ec);
    }
    std::filesystem::rename(path_, path_ + ".1", ec);
    if (ec) {
        throw std::runtime_error(fmt::format("cannot rotate {}: {}", path_, ec.message()));
    }
    open_();
}

std::string file_sink::write_(const std::deque<line>& batch) {
    try {
        if (fd_ < 0) {
            open_();
        }
        for (const auto& l : batch) {
            if (rotate_bytes_ > 0 && size_ > 0 && size_ + l.text.size() > rotate_bytes_) {
                if (fsync_ && ::fsync(fd_) != 0) {
                    return fmt::format("fsync {}: {}", path_, std::strerror(errno));
                }
                rotate_();
            }
            std::size_t off = 0;
            while (off < l.text.size()) {
                const auto n = ::write(fd_, l.text.data() + off, l.text.size() - off);
                if (n < 0) {
                    if (errno == EINTR) {
                        continue;
                    }
                    return fmt::format("write {}: {}", path_, std::strerror(errno));
                }
                off += static_cast<std::size_t>(n);
            }
            size_ += l.text.size();
        }
        if (fsync_ && ::fsync(fd_) != 0) {
            return fmt::format("fsync {}: {}", path_, std::strerror(errno));
        }
    } catch (const std::exception& e) {
        return e.what();
    }
    return {};
}

void file_sink::run_() {
    for (;;) {
        std::deque<line> batch;
        bool reopen = false;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) {
                return;  // stopping, and nothing left to write
            }
            batch.swap(queue_);
            reopen = std::exchange(reopen_, false);
        }
        if (reopen && fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
        const auto error = write_(batch);
        // A failed batch is retried whole: a line written before the failure may
        // appear twice, never not at all (at least once, like every sink).
        for (auto& l : batch) {
            boost::asio::post(io_, [done = std::move(l.done), error] {
                done(error.empty() ? deliver::attempt_result{}
                                   : deliver::attempt_result{
                                         deliver::attempt_kind::retry, error, {}, {}, {}});
            });
        }
        if (!error.empty() && fd_ >= 0) {
            ::close(fd_);  // the next batch opens it again
            fd_ = -1;
        }
    }
}

}  // namespace solarhook::sinks
