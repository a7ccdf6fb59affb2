#include "support/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>

#include <stdexcept>
#include <thread>

namespace solarhook::test {

child_process::child_process(const std::vector<std::string>& args) {
    int out[2];
    int err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe failed");
    }
    pid_ = ::fork();
    if (pid_ < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid_ == 0) {
        // A test that crashes (an abort, a failed assertion in a thread) must not
        // leave its daemon running: the child dies with the thread that forked it.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::dup2(out[1], STDOUT_FILENO);
        ::dup2(err[1], STDERR_FILENO);
        std::vector<char*> argv;
        for (const auto& a : args) {
            argv.push_back(const_cast<char*>(a.c_str()));
        }
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    out_reader_ = std::thread([this, fd = out[0]] { pump(fd, out_buf_, out_eof_, &out_paused_); });
    err_reader_ = std::thread([this, fd = err[0]] { pump(fd, err_buf_, err_eof_, nullptr); });
}

void child_process::pump(int fd, std::string& buf, bool& eof, bool* paused) {
    char chunk[4096];
    for (;;) {
        if (paused != nullptr) {
            std::unique_lock lock(mutex_);
            cv_.wait(lock, [&] { return !*paused; });
        }
        const auto n = ::read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        std::lock_guard lock(mutex_);
        if (n <= 0) {
            eof = true;
            cv_.notify_all();
            break;
        }
        buf.append(chunk, static_cast<std::size_t>(n));
        cv_.notify_all();
    }
    ::close(fd);
}

void child_process::pause_stdout() {
    std::lock_guard lock(mutex_);
    out_paused_ = true;
}

void child_process::resume_stdout() {
    std::lock_guard lock(mutex_);
    out_paused_ = false;
    cv_.notify_all();
}

child_process::~child_process() {
    resume_stdout();
    if (!exited_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    out_reader_.join();  // EOF follows the child's exit
    err_reader_.join();
}

std::optional<std::string> child_process::read_line(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    std::optional<std::string> line;
    cv_.wait_for(lock, timeout, [&] {
        if (auto nl = out_buf_.find('\n'); nl != std::string::npos) {
            line = out_buf_.substr(0, nl);
            out_buf_.erase(0, nl + 1);
            return true;
        }
        return out_eof_;
    });
    return line;
}

void child_process::signal(int sig) {
    ::kill(pid_, sig);
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            exited_ = true;
            std::unique_lock lock(mutex_);
            cv_.wait_for(lock, std::chrono::seconds(5), [&] { return out_eof_ && err_eof_; });
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        // No portable way to wait on a child with a timeout; pipe EOF is the next best signal.
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, std::chrono::milliseconds(10), [&] { return out_eof_ && err_eof_; });
    }
}

std::string child_process::rest_of_stdout() {
    std::lock_guard lock(mutex_);
    std::string s;
    s.swap(out_buf_);
    return s;
}

std::string child_process::all_stderr() {
    std::lock_guard lock(mutex_);
    return err_buf_;
}

run_result run_to_end(const std::vector<std::string>& args) {
    child_process p(args);
    const auto code = p.wait();
    if (!code) {
        throw std::runtime_error("child did not exit: " + args.front());
    }
    return {*code, p.rest_of_stdout(), p.all_stderr()};
}

}  // namespace solarhook::test
