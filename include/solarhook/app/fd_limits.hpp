// Descriptors at startup: the soft RLIMIT_NOFILE is raised to the hard limit (a
// default soft limit of 1,024 equals the default max_connections), and
// max_connections is fitted under it, keeping room for the store, the logs and
// the listener, so accept() never fails with EMFILE while connections are capped.
#pragma once

#include <cstddef>
#include <cstdint>

namespace solarhook::app {

// Descriptors kept for everything but connections: SQLite (two connections,
// WAL and shm each), the lock file, stdio, the listener, epoll, eventfds, timers.
inline constexpr std::size_t k_reserved_fds = 64;

struct fd_budget {
    std::uint64_t soft = 0;  // after raising
    std::uint64_t hard = 0;
    std::size_t max_connections = 0;  // what fits
    bool clamped = false;             // less than configured
};

// Pure: how many of `wanted` connections fit under `limit` descriptors.
std::size_t connections_that_fit(std::uint64_t limit, std::size_t wanted,
                                 std::size_t reserve = k_reserved_fds);

// Raises this process's soft limit to its hard limit and fits `wanted` under it.
fd_budget fit_fd_limit(std::size_t wanted);

}  // namespace solarhook::app
