#include "solarhook/sinks/exec_sink.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <fstream>
#include <sstream>

#include "solarhook/config/config.hpp"
#include "support/one_attempt.hpp"
#include "support/open_descriptors.hpp"
#include "support/temp_dir.hpp"

namespace solarhook::sinks {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string script(const test::temp_dir& dir, const std::string& name, const std::string& body) {
    const auto path = dir.file(name);
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path.c_str(), 0755);
    return path;
}

route::compiled_sink exec_of(const json& sink) {
    const auto cfg = apply_config_json(
        config{},
        {{"sinks", {{"run", sink}}},
         {"routes", {{{"match", {{"types", {"customer_created"}}}}, {"sinks", {"run"}}}}}});
    return *route::router(cfg.routing).sink("run");
}

deliver::attempt_result attempt(deliver::sink_driver& d, boost::asio::io_context& io,
                                const json& ev) {
    return test::one_attempt(d, io, ev);
}

const json k_event = {{"type", "customer_created"},
                      {"key", "k-1"},
                      {"id", 42},
                      {"customer_id", 7},
                      {"customer_name", "Jane \"JJ\" O'Neil"}};

TEST(exec_sink, the_script_gets_the_event_on_stdin_and_its_names_in_the_environment) {
    test::temp_dir dir;
    const auto out = dir.file("out");
    const auto path = script(dir, "record.sh",
                             "cat > " + out +
                                 ".stdin\n"
                                 "env | grep -E '^SOLARHOOK_(TYPE|KEY|EVENT_ID)=' | sort > " +
                                 out +
                                 ".env\n"
                                 "echo \"args: $1 $2\"\necho oops >&2\nexit 0");
    boost::asio::io_context io;
    exec_sink e(exec_of({{"kind", "exec"}, {"command", {path, "{type}", "{customer_id}"}}}), io);
    const auto r = attempt(e, io, k_event);
    EXPECT_EQ(r.kind, deliver::attempt_kind::success) << r.error;
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(json::parse(read_file(out + ".stdin")), k_event);
    EXPECT_EQ(read_file(out + ".env"),
              "SOLARHOOK_EVENT_ID=42\nSOLARHOOK_KEY=k-1\nSOLARHOOK_TYPE=customer_created\n");
    EXPECT_NE(r.response.find("args: customer_created 7"), std::string::npos) << r.response;
    EXPECT_NE(r.response.find("oops"), std::string::npos) << r.response;
}

TEST(exec_sink, exit_codes_decide_retry_or_dead_and_keep_stderr) {
    test::temp_dir dir;
    const auto path = script(dir, "fail.sh", "echo \"bad input\" >&2\nexit $1");
    boost::asio::io_context io;
    exec_sink e(
        exec_of(
            {{"kind", "exec"}, {"command", {path, "{raw.code}"}}, {"permanent_exit_codes", {2}}}),
        io);
    auto ev = k_event;
    ev["raw"] = {{"code", 2}};
    auto r = attempt(e, io, ev);
    EXPECT_EQ(r.kind, deliver::attempt_kind::permanent);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.error.find("exit code 2 (permanent): bad input"), std::string::npos) << r.error;
    ev["raw"]["code"] = 1;
    r = attempt(e, io, ev);
    EXPECT_EQ(r.kind, deliver::attempt_kind::retry);
    EXPECT_NE(r.error.find("exit code 1: bad input"), std::string::npos) << r.error;
}

TEST(exec_sink, a_command_past_its_timeout_gets_sigterm) {
    test::temp_dir dir;
    const auto path = script(dir, "slow.sh", "exec sleep 30");
    boost::asio::io_context io;
    exec_sink e(exec_of({{"kind", "exec"}, {"command", {path}}, {"timeout_ms", 200}}), io);
    const auto start = std::chrono::steady_clock::now();
    const auto r = attempt(e, io, k_event);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_EQ(r.kind, deliver::attempt_kind::retry);
    EXPECT_NE(r.error.find("timed out after 200 ms; ended by SIGTERM"), std::string::npos)
        << r.error;
}

TEST(exec_sink, one_that_ignores_sigterm_gets_sigkill_five_seconds_later) {
    test::temp_dir dir;
    const auto path = script(dir, "stubborn.sh", "trap '' TERM\nwhile :; do sleep 0.05; done");
    boost::asio::io_context io;
    exec_sink e(exec_of({{"kind", "exec"}, {"command", {path}}, {"timeout_ms", 100}}), io);
    const auto start = std::chrono::steady_clock::now();
    const auto r = attempt(e, io, k_event);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, exec_sink::k_kill_after);
    EXPECT_LT(took, exec_sink::k_kill_after + 5s);
    EXPECT_NE(r.error.find("ended by SIGKILL"), std::string::npos) << r.error;
}

TEST(exec_sink, a_missing_program_is_a_retry_naming_it) {
    boost::asio::io_context io;
    exec_sink e(exec_of({{"kind", "exec"}, {"command", {"solarhook-no-such-program"}}}), io);
    const auto r = attempt(e, io, k_event);
    EXPECT_EQ(r.kind, deliver::attempt_kind::retry);
    EXPECT_NE(r.error.find("solarhook-no-such-program"), std::string::npos) << r.error;
}

TEST(exec_sink, a_child_that_ignores_its_stdin_is_not_a_problem) {
    boost::asio::io_context io;
    exec_sink e(exec_of({{"kind", "exec"}, {"command", {"/bin/true"}}}), io);
    auto big = k_event;
    big["raw"] = {{"blob", std::string(1 << 20, 'x')}};  // more than a pipe holds
    const auto r = attempt(e, io, big);
    EXPECT_EQ(r.kind, deliver::attempt_kind::success) << r.error;
}

// A daemon closes descriptors all the time, so some below the io_context's own are
// often free when a child starts. Nothing of the child's may reach the parent's
// io_context: its epoll, timer and wake-up descriptors must stay the ones it had.
TEST(exec_sink, free_descriptors_below_the_io_context_leave_it_working) {
    std::vector<int> holes;
    for (int i = 0; i < 16; ++i) {  // more than a start's own pipes and pidfd fill
        holes.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        ASSERT_GE(holes.back(), 0);
    }
    boost::asio::io_context io;
    boost::asio::steady_timer t(io);  // the io_context's descriptors exist from here on
    for (const int fd : holes) {
        ::close(fd);
    }
    exec_sink e(exec_of({{"kind", "exec"}, {"command", {"/bin/true"}}}), io);
    for (int i = 0; i < 3; ++i) {
        const auto r = attempt(e, io, k_event);
        EXPECT_EQ(r.kind, deliver::attempt_kind::success) << r.error;
    }
    bool fired = false;
    t.expires_after(1ms);
    t.async_wait([&](const boost::system::error_code& ec) { fired = !ec; });
    io.restart();
    io.run_for(5s);
    EXPECT_TRUE(fired);
}

// The daemon ignores SIGPIPE for itself; a script must get the default, as from a
// shell. (glibc's own signals 32 and 33 are left to glibc: a C program re-arms them.)
TEST(exec_sink, the_child_gets_default_signal_dispositions) {
    test::temp_dir dir;
    const auto path =
        script(dir, "sigign.sh", "sed -n 's/^SigIgn:\\t//p' /proc/self/status >&2; exit 3");
    boost::asio::io_context io;
    exec_sink e(exec_of({{"kind", "exec"}, {"command", {path}}}), io);
    const auto r = attempt(e, io, k_event);
    const auto at = r.error.find(": ");
    ASSERT_NE(at, std::string::npos) << r.error;
    const auto ignored = std::stoull(r.error.substr(at + 2), nullptr, 16);
    EXPECT_EQ(ignored & 0x7fffffffULL, 0U) << r.error;  // signals 1..31: bit n-1
    EXPECT_EQ(ignored & (1ULL << (SIGPIPE - 1)), 0U) << r.error;
}

// A child that started but whose pipes or pidfd the io_context cannot take (epoll
// refuses them) could be neither read, waited for nor timed out, and the retry would
// run the command a second time: it is killed and reaped, and nothing of it stays open.
class exec_sink_unwatchable : public testing::TestWithParam<int> {};

TEST_P(exec_sink_unwatchable, the_child_is_ended_before_the_retry) {
    boost::asio::io_context io;
    pid_t started = -1;
    const int which = GetParam();  // 0: stdout, 1: stderr, 2: the pidfd
    exec_sink e(exec_of({{"kind", "exec"}, {"command", {"/bin/sleep", "30"}}}), io,
                [&](const std::string& exe, const std::vector<std::string>& argv,
                    const std::vector<std::string>& env, std::string_view input,
                    boost::system::error_code& ec) {
                    auto c = spawn_child(exe, argv, env, input, ec);
                    started = c.pid;
                    int& fd = which == 0 ? c.pipes.stdout_read
                                         : (which == 1 ? c.pipes.stderr_read : c.pidfd);
                    ::close(fd);  // its number is now one epoll refuses (EBADF)
                    return c;
                });
    const boost::asio::steady_timer reactor(io);  // the io_context's own descriptors exist
    const auto before = test::open_descriptors();
    const auto r = attempt(e, io, k_event);
    EXPECT_EQ(r.kind, deliver::attempt_kind::retry);
    EXPECT_NE(r.error.find("cannot watch the child"), std::string::npos) << r.error;
    ASSERT_GT(started, 0);
    const auto reaped = ::waitpid(started, nullptr, WNOHANG);
    EXPECT_EQ(reaped, -1) << "the child was left running";
    EXPECT_EQ(errno, ECHILD);
    if (reaped == 0) {  // the test ends what it started, even when it fails
        ::kill(started, SIGKILL);
        ::waitpid(started, nullptr, 0);
    }
    EXPECT_EQ(test::open_descriptors(), before);
}

std::string unwatchable_name(const testing::TestParamInfo<int>& i) {
    constexpr std::array<const char*, 3> names{"stdout", "stderr", "pidfd"};
    return names.at(static_cast<std::size_t>(i.param));
}

INSTANTIATE_TEST_SUITE_P(exec_sink, exec_sink_unwatchable, testing::Values(0, 1, 2),
                         unwatchable_name);

}  // namespace
}  // namespace solarhook::sinks
