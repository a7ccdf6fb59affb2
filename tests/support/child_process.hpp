// Runs the real solarhook binary as a child process with its stdout and stderr
// on pipes, so tests can read its log lines (with a timeout), signal it, and
// collect its exit status. The destructor kills a child that is still running, and
// a child dies with the thread that started it (PR_SET_PDEATHSIG) if the test crashes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace solarhook::test {

class child_process {
  public:
    explicit child_process(const std::vector<std::string>& args);
    ~child_process();
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    // Next stdout line, or nullopt on EOF or timeout.
    std::optional<std::string> read_line(
        std::chrono::milliseconds timeout = std::chrono::seconds(10));
    void signal(int sig);
    // Exit code (or 128+signal); nullopt if it did not exit in time.
    std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(20));
    // Everything left on stdout/stderr after exit.
    std::string rest_of_stdout();
    std::string all_stderr();
    pid_t pid() const noexcept { return pid_; }
    // Stops reading the child's stdout (its pipe fills, as with a stalled log
    // shipper) until resume_stdout(); the destructor resumes.
    void pause_stdout();
    void resume_stdout();

  private:
    // Readers drain both pipes continuously so the child never blocks on a full pipe.
    void pump(int fd, std::string& buf, bool& eof, bool* paused);
    pid_t pid_ = -1;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::string out_buf_;
    std::string err_buf_;
    bool out_eof_ = false;
    bool err_eof_ = false;
    bool exited_ = false;
    bool out_paused_ = false;
    std::thread out_reader_;
    std::thread err_reader_;
};

// Runs to completion and returns {exit code, stdout, stderr}.
struct run_result {
    int code;
    std::string out;
    std::string err;
};
run_result run_to_end(const std::vector<std::string>& args);

}  // namespace solarhook::test
