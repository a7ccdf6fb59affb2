#include "solarhook/store/dir_lock.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace solarhook::store {

dir_lock::dir_lock(const std::string& dir) {
    const auto path = (std::filesystem::path(dir) / "solarhook.lock").string();
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        throw std::runtime_error(
            fmt::format("cannot open the lock file {}: {}", path, std::strerror(errno)));
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        char holder[32] = {};
        const auto n = ::pread(fd_, holder, sizeof holder - 1, 0);
        ::close(fd_);
        fd_ = -1;
        if (err == EWOULDBLOCK) {
            throw std::runtime_error(fmt::format(
                "data directory {} is in use by another solarhook (pid {}); one daemon per "
                "data directory",
                dir, n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : "unknown"));
        }
        throw std::runtime_error(fmt::format("cannot lock {}: {}", path, std::strerror(err)));
    }
    // For the message a second daemon prints; the lock, not this text, is what counts.
    const auto pid = std::to_string(::getpid());
    if (::ftruncate(fd_, 0) != 0 ||
        ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        // Harmless: the holder's pid is then missing from that message.
    }
}

dir_lock::~dir_lock() {
    if (fd_ >= 0) {
        ::close(fd_);  // releases the lock
    }
}

}  // namespace solarhook::store
