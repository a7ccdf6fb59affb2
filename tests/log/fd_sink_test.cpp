#include "solarhook/log/fd_sink.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "support/temp_dir.hpp"

namespace solarhook::log {
namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct file_logger {
    explicit file_logger(const std::string& path, std::size_t limit)
        : fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600)),
          sink(std::make_shared<fd_sink>(fd, limit)),
          logger("t", sink) {
        logger.set_pattern("%v");
    }
    ~file_logger() { ::close(fd); }
    int fd;
    std::shared_ptr<fd_sink> sink;
    spdlog::logger logger;
};

TEST(fd_sink, holds_lines_until_the_buffer_fills_or_a_flush) {
    test::temp_dir dir;
    const auto path = dir.file("log");
    file_logger f(path, 64);
    f.logger.info("first line");
    EXPECT_EQ(read_all(path), "");  // buffered
    f.logger.flush();
    EXPECT_EQ(read_all(path), "first line\n");
    for (int i = 0; i < 10; ++i)
        f.logger.info("line number {}", i);  // past 64 bytes
    EXPECT_NE(read_all(path).find("line number 0\n"), std::string::npos);
    f.sink->flush();
    EXPECT_NE(read_all(path).find("line number 9\n"), std::string::npos);
}

TEST(fd_sink, each_line_is_written_once_whatever_its_length) {
    // The sink reuses one format buffer: a line over its 250 inline bytes, then a
    // short one, must each come out alone.
    test::temp_dir dir;
    const auto path = dir.file("log");
    file_logger f(path, 1 << 20);
    const std::string long_line(400, 'x');
    f.logger.info(long_line);
    f.logger.info("short");
    f.logger.info(long_line);
    f.sink->flush();
    EXPECT_EQ(read_all(path), long_line + "\nshort\n" + long_line + "\n");
}

TEST(fd_sink, a_failed_write_is_reported_by_flush) {
    test::temp_dir dir;
    file_logger f(dir.file("log"), 1024);
    f.logger.info("lost?");
    // The same descriptor number, now read-only: the sink's write() fails (EBADF).
    const int ro = ::open("/dev/null", O_RDONLY);
    ASSERT_GE(ro, 0);
    ASSERT_EQ(::dup2(ro, f.fd), f.fd);
    ::close(ro);
    EXPECT_THROW(f.sink->flush(), spdlog::spdlog_ex);
}

}  // namespace
}  // namespace solarhook::log
