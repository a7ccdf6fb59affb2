#include "solarhook/sinks/spawn.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>

namespace solarhook::sinks {
namespace {

using boost::system::error_code;

// Owns descriptors until they are handed on, so every failure path closes them.
struct fd_set_guard {
    std::array<int, 5> fds{-1, -1, -1, -1, -1};
    ~fd_set_guard() {
        for (const int fd : fds) {
            if (fd >= 0) {
                ::close(fd);
            }
        }
    }
};

// A pipe whose ends are both above stdio: a daemon started with a closed stdin
// would otherwise get 0 for one end, and the dup2 onto 0..2 would clobber it.
bool pipe_above_stdio(int& read_end, int& write_end) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) {
        return false;
    }
    for (int& fd : p) {
        if (fd < 3) {
            const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
            ::close(fd);
            fd = moved;
        }
    }
    read_end = p[0];
    write_end = p[1];
    if (read_end < 0 || write_end < 0) {
        const int saved = errno;
        if (read_end >= 0) {
            ::close(read_end);
        }
        if (write_end >= 0) {
            ::close(write_end);
        }
        errno = saved;
        return false;
    }
    return true;
}

// The input as a file: written whole now, so a child that reads slowly, or never,
// costs the parent no pipe to tend. Sealed, so the child cannot change it.
int input_file(std::string_view input) {
    int fd = ::memfd_create("solarhook-event", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        return -1;
    }
    if (fd < 3) {
        const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
        ::close(fd);
        if ((fd = moved) < 0) {
            return -1;
        }
    }
    while (!input.empty()) {
        const auto n = ::write(fd, input.data(), input.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            const int saved = n < 0 ? errno : EIO;
            ::close(fd);
            errno = saved;
            return -1;
        }
        input.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0 ||
        ::lseek(fd, 0, SEEK_SET) != 0) {
        const int saved = errno;
        ::close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

std::vector<char*> c_strings(const std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (const auto& s : v) {
        out.push_back(const_cast<char*>(s.c_str()));  // posix_spawn's signature; never written
    }
    out.push_back(nullptr);
    return out;
}

}  // namespace

spawned_child spawn_child(const std::string& exe, const std::vector<std::string>& argv,
                          const std::vector<std::string>& env, std::string_view input,
                          error_code& ec) {
    ec.clear();
    fd_set_guard fds;  // [0] stdin; [1,2] stdout, [3,4] stderr: read end, write end
    fds.fds[0] = input_file(input);
    if (fds.fds[0] < 0 || !pipe_above_stdio(fds.fds[1], fds.fds[2]) ||
        !pipe_above_stdio(fds.fds[3], fds.fds[4])) {
        ec.assign(errno, boost::system::system_category());
        return {};
    }

    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawnattr_init(&attr);
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    int rc = 0;
    auto check = [&rc](int r) {
        if (rc == 0) {
            rc = r;
        }
    };
    check(::posix_spawn_file_actions_adddup2(&actions, fds.fds[0], STDIN_FILENO));
    check(::posix_spawn_file_actions_adddup2(&actions, fds.fds[2], STDOUT_FILENO));
    check(::posix_spawn_file_actions_adddup2(&actions, fds.fds[4], STDERR_FILENO));
    // The daemon's sockets, its database and log descriptors are no business of a script.
    check(::posix_spawn_file_actions_addclosefrom_np(&actions, 3));
    check(::posix_spawnattr_setsigmask(&attr, &none));
    check(::posix_spawnattr_setsigdefault(&attr, &all));
    check(::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));

    spawned_child out;
    if (rc == 0) {
        auto args = c_strings(argv);
        auto envp = c_strings(env);
        rc = ::posix_spawn(&out.pid, exe.c_str(), &actions, &attr, args.data(), envp.data());
    }
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        ec.assign(rc, boost::system::system_category());
        return {};
    }
    // Behind the daemon's own work: when CPU is short, the answers to the sender go
    // first. The child has exec'd when posix_spawn returns, so this lands within its
    // first moments; a child that is gone already has nothing left to lower.
    errno = 0;
    const int nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(out.pid));
    if (errno == 0) {
        (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(out.pid),
                            std::min(nice + k_child_nice_steps, 19));
    }
    // The child is watched through its pidfd. Without one it could be neither waited
    // for nor timed out, so it is ended at once and the start reported as failed (the
    // delivery is retried).
    out.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, out.pid, 0));
    if (out.pidfd < 0) {
        const int saved = errno;
        end_child(out);  // the pipes are still the guard's
        ec.assign(saved, boost::system::system_category());
        return {};
    }
    out.pipes = {fds.fds[1], fds.fds[3]};
    fds.fds[1] = fds.fds[3] = -1;  // the parent's ends go to the caller
    return out;
}

void end_child(spawned_child& c) {
    if (c.pid > 0) {
        ::kill(c.pid, SIGKILL);  // not reaped yet, so the pid is still this child's
        while (::waitpid(c.pid, nullptr, 0) < 0 && errno == EINTR) {
        }
        c.pid = -1;
    }
    for (int* fd : {&c.pidfd, &c.pipes.stdout_read, &c.pipes.stderr_read}) {
        if (*fd >= 0) {
            ::close(*fd);
            *fd = -1;
        }
    }
}

}  // namespace solarhook::sinks
