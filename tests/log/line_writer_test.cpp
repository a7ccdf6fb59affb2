#include "solarhook/log/line_writer.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <spdlog/logger.h>
#include <unistd.h>

#include <csignal>
#include <functional>
#include <future>
#include <string>

#include "solarhook/log/fd_sink.hpp"

namespace solarhook::log {
namespace {

using namespace std::chrono_literals;

// A pipe whose reader the test controls: it reads only when told to.
struct pipe_pair {
    pipe_pair() {
        std::signal(SIGPIPE, SIG_IGN);  // a closed reader must be an error, not a signal
        EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
        ::fcntl(fds[0], F_SETPIPE_SZ, 4096);  // a stalled reader fills it at once
    }
    ~pipe_pair() {
        close_read();
        ::close(fds[1]);
    }
    void close_read() {
        if (fds[0] >= 0) {
            ::close(fds[0]);
            fds[0] = -1;
        }
    }
    // Reads until `pred(text so far)` holds or `timeout` passes without a byte.
    std::string read_until(const std::function<bool(const std::string&)>& pred,
                           std::chrono::milliseconds timeout = 5s) {
        for (;;) {
            if (pred(got)) {
                return got;
            }
            pollfd p{fds[0], POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
                return got;
            }
            char buf[65536];
            const auto n = ::read(fds[0], buf, sizeof buf);
            if (n <= 0) {
                return got;
            }
            got.append(buf, static_cast<std::size_t>(n));
        }
    }
    int fds[2]{-1, -1};
    std::string got;
};

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
        ++n;
    }
    return n;
}

line_writer::options opts(std::size_t max_pending = 1u << 20) {
    return line_writer::options{max_pending, 50ms, 500ms};
}

std::string report(std::uint64_t n) {
    return "dropped " + std::to_string(n);
}

TEST(line_writer, lines_reach_the_fd_in_order) {
    pipe_pair p;
    line_writer w(p.fds[1], opts(), report);
    w.post("one", false);
    w.post("two", true);
    EXPECT_EQ(p.read_until([](const std::string& s) { return count(s, "\n") == 2; }), "one\ntwo\n");
}

TEST(line_writer, a_stalled_reader_never_blocks_a_poster_and_drops_are_reported_later) {
    pipe_pair p;
    line_writer w(p.fds[1], opts(64 * 1024), report);
    // Far more than the pipe and the queue hold; posting must still return.
    auto posting = std::async(std::launch::async, [&] {
        for (int i = 0; i < 20'000; ++i) {
            w.post("line " + std::to_string(i) + std::string(100, 'x'), i % 100 == 0);
        }
    });
    ASSERT_EQ(posting.wait_for(10s), std::future_status::ready);
    const auto dropped = w.dropped();
    EXPECT_GT(dropped, 10'000u);
    // The reader resumes: what was kept arrives, and how many were not.
    const auto text = p.read_until([&](const std::string& s) {
        return count(s, "line ") + dropped == 20'000u && count(s, "\n") == 20'001u - dropped;
    });
    EXPECT_EQ(count(text, "line ") + dropped, 20'000u);
    EXPECT_EQ(count(text, "dropped " + std::to_string(dropped) + "\n"), 1u);
}

TEST(line_writer, an_event_line_waits_until_written) {
    pipe_pair p;
    line_writer w(p.fds[1], opts(), report);
    const auto owner = w.new_owner();
    const auto ticket = w.post_event("event 1", owner);
    EXPECT_TRUE(w.wait_event(owner, ticket, std::chrono::steady_clock::now() + 5s));
    EXPECT_EQ(p.read_until([](const std::string& s) { return !s.empty(); }), "event 1\n");
}

TEST(line_writer, an_event_line_not_taken_by_the_deadline_is_withdrawn) {
    pipe_pair p;
    line_writer w(p.fds[1], opts(), report);
    // Fill the pipe so the writer blocks inside write() on a diagnostic chunk.
    const std::string big(64 * 1024, 'd');
    w.post(big, true);
    ASSERT_FALSE(w.flush(100ms));  // the writer is stuck: the reader stalled
    const auto mine = w.new_owner();
    const auto other = w.new_owner();
    w.post_event("mine 1", mine);
    w.post_event("other 1", other);
    const auto last = w.post_event("mine 2", mine);
    EXPECT_FALSE(w.wait_event(mine, last, std::chrono::steady_clock::now() + 100ms));
    // The reader resumes: the diagnostic and the other owner's line arrive, mine do not.
    const auto text =
        p.read_until([](const std::string& s) { return s.find("other 1") != s.npos; });
    EXPECT_EQ(count(text, "d"), big.size());
    EXPECT_EQ(text.find("mine"), std::string::npos);
    EXPECT_TRUE(w.flush(5s));
    EXPECT_EQ(p.read_until([](const std::string&) { return false; }, 100ms).find("mine"),
              std::string::npos);
}

TEST(line_writer, a_failed_write_fails_the_event_lines_in_it) {
    pipe_pair p;
    p.close_read();
    line_writer w(p.fds[1], opts(), report);
    const auto owner = w.new_owner();
    const auto ticket = w.post_event("lost", owner);
    EXPECT_FALSE(w.wait_event(owner, ticket, std::chrono::steady_clock::now() + 5s));
    // Each owner whose lines were in a failed write is told so.
    const auto second = w.new_owner();
    const auto t2 = w.post_event("lost too", second);
    EXPECT_FALSE(w.wait_event(second, t2, std::chrono::steady_clock::now() + 5s));
}

TEST(line_writer, destruction_gives_up_on_a_stalled_reader) {
    pipe_pair p;
    auto w = std::make_unique<line_writer>(p.fds[1], opts(), report);
    w->post(std::string(64 * 1024, 'x'), true);
    auto closing = std::async(std::launch::async, [&] { w.reset(); });
    EXPECT_EQ(closing.wait_for(5s), std::future_status::ready);  // close_wait is 500 ms
    p.close_read();  // lets the abandoned writer fail out before the fd number is reused
}

TEST(fd_sink, hands_each_line_to_its_writer_with_a_newline) {
    pipe_pair p;
    auto sink = std::make_shared<fd_sink>(p.fds[1], opts(), report);
    spdlog::logger lg("t", sink);
    lg.set_pattern("%v");
    lg.info("a line");
    lg.warn("a warning");
    EXPECT_EQ(p.read_until([](const std::string& s) { return count(s, "\n") == 2; }),
              "a line\na warning\n");
}

}  // namespace
}  // namespace solarhook::log
