#include "solarhook/app/fd_limits.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace solarhook::app {

std::size_t connections_that_fit(std::uint64_t limit, std::size_t wanted, std::size_t reserve) {
    const std::uint64_t room = limit > reserve ? limit - reserve : 1;
    return static_cast<std::size_t>(std::clamp<std::uint64_t>(room, 1, wanted));
}

fd_budget fit_fd_limit(std::size_t wanted) {
    fd_budget b;
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        b.max_connections = wanted;
        return b;
    }
    b.hard = rl.rlim_max;
    if (rl.rlim_cur < rl.rlim_max) {
        rlimit raised = rl;
        raised.rlim_cur = rl.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
            rl = raised;
        }
    }
    b.soft = rl.rlim_cur;
    b.max_connections = connections_that_fit(b.soft, wanted);
    b.clamped = b.max_connections < wanted;
    return b;
}

}  // namespace solarhook::app
