#include "solarhook/core/thread_priority.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace solarhook {

void lower_this_thread_priority() noexcept {
    // On Linux PRIO_PROCESS with a thread id names that thread alone (setpriority(2),
    // BUGS); -1 is a valid nice value, so only errno tells a failure.
    const auto tid = static_cast<id_t>(::gettid());
    errno = 0;
    const int now = ::getpriority(PRIO_PROCESS, tid);
    if (errno != 0) {
        return;
    }
    (void)::setpriority(PRIO_PROCESS, tid, std::min(now + k_background_nice, 19));
}

}  // namespace solarhook
