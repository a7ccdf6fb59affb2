// Starts a child for the exec sink with posix_spawn: its stdin a sealed memfd
// holding the input (read like a redirected file, nothing for the parent to feed),
// stdout and stderr on pipes, every other descriptor closed, an empty signal mask
// and every signal at its default, k_child_nice_steps nice steps below the parent.
// The child never writes the parent's memory (glibc runs it on a stack of its own),
// which Boost.Process's own fork and vfork launchers do: they rebuild the
// io_context's reactor in the child, in memory a vfork child shares.
#pragma once

#include <sys/types.h>

#include <boost/system/error_code.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace solarhook::sinks {

// How much lower than the daemon a command runs (its nice value, at most 19).
inline constexpr int k_child_nice_steps = 5;

// The parent's ends of the child's output pipes, close-on-exec, none below 3.
struct child_pipes {
    int stdout_read = -1;
    int stderr_read = -1;
};

struct spawned_child {
    pid_t pid = -1;
    int pidfd = -1;  // close-on-exec; what the caller waits on and signals through
    child_pipes pipes;
};

// argv[0] is what the child sees as its name; exe is the file run. On failure
// nothing is left open, no child is left running, and ec says why.
spawned_child spawn_child(const std::string& exe, const std::vector<std::string>& argv,
                          const std::vector<std::string>& env, std::string_view input,
                          boost::system::error_code& ec);

// For a child that was started but cannot be watched: kills and reaps it, and
// closes whichever of its descriptors (those not -1) the caller still holds.
void end_child(spawned_child& c);

}  // namespace solarhook::sinks
