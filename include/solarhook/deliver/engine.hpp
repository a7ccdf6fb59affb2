// The delivery engine: one io thread running a sink_runner per sink that is not
// the log sink (http, exec, file), fed by submit() when an event's routing is
// committed and by polling the journal for what waits on disk (after a restart,
// a backlog past the window, a replay). reload() swaps the routes and sinks:
// attempts in flight finish on the old ones; a sink that disappeared keeps its
// pending deliveries on disk, with a warning, until it returns.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <thread>

#include "solarhook/deliver/delivery.hpp"
#include "solarhook/deliver/sink_runner.hpp"
#include "solarhook/route/router.hpp"

namespace solarhook::deliver {

class engine {
  public:
    // Builds the driver of one sink (sinks/), on the engine's io_context.
    using driver_factory = std::function<std::unique_ptr<sink_driver>(const route::compiled_sink&,
                                                                      boost::asio::io_context&)>;

    engine(journal& j, const clock& clk, driver_factory make, sink_runner::options opts = {});
    ~engine();
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;

    void start(std::shared_ptr<const route::router> r);
    // Any thread. Jobs for a sink the current routes do not have wait on disk.
    void submit(std::vector<job> jobs);
    void reload(std::shared_ptr<const route::router> r);
    void reopen();
    // Stops new attempts, waits up to `deadline` for those in flight, then stops.
    void stop(std::chrono::milliseconds deadline);
    // Per sink, read on the io thread (blocks until it answers); empty once stopped.
    std::map<std::string, sink_counts> counts();

  private:
    void apply_(std::shared_ptr<const route::router> r);
    void poll_();

    journal& journal_;
    const clock& clock_;
    driver_factory make_;
    const sink_runner::options opts_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    boost::asio::steady_timer poll_timer_;
    std::map<std::string, std::unique_ptr<sink_runner>> runners_;  // io thread only
    std::shared_ptr<const route::router> router_;                  // io thread only
    std::thread thread_;
    bool stopped_ = false;
};

}  // namespace solarhook::deliver
