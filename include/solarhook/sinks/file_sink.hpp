// The file sink: one normalized event per line, appended. A thread of its own
// does the writing (and the fsync, once per batch of lines), so the engine's io
// thread never waits on the disk. Size rotation renames path to path.1 ... path.keep;
// reopen() (SIGHUP) makes the next batch open the path afresh, for logrotate.
#pragma once

#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "solarhook/config/routing.hpp"
#include "solarhook/deliver/delivery.hpp"

namespace solarhook::sinks {

class file_sink final : public deliver::sink_driver {
  public:
    file_sink(const sink_config& cfg, boost::asio::io_context& io);
    ~file_sink() override;
    void start(const nlohmann::json& normalized,
               std::function<void(deliver::attempt_result)> done) override;
    void reopen() override;
    void close() override;

  private:
    struct line {
        std::string text;
        std::function<void(deliver::attempt_result)> done;
    };
    void run_();
    // Writes the batch; empty on success, else why not.
    std::string write_(const std::deque<line>& batch);
    void open_();
    void rotate_();

    const std::string path_;
    const std::uint64_t rotate_bytes_;
    const unsigned keep_;
    const bool fsync_;
    boost::asio::io_context& io_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<line> queue_;
    bool stopping_ = false;
    bool reopen_ = false;
    int fd_ = -1;  // the writer thread's
    std::uint64_t size_ = 0;
    std::thread thread_;
};

}  // namespace solarhook::sinks
