// Runs one sink's deliveries on the engine's io thread. Per-customer order: jobs
// with the same order key form a lane, and only a lane's head is attempted; a head
// waiting for its retry holds back its own lane only. At most max_in_flight
// attempts at once. Memory is bounded by `window` jobs: past it, jobs stay on disk
// (pending rows) and are read back, oldest first, as the window empties. An
// outcome that cannot be recorded keeps its lane busy and is written again; the
// job is never attempted twice while the process lives.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "solarhook/deliver/delivery.hpp"
#include "solarhook/inbox/retry_policy.hpp"
#include "solarhook/route/router.hpp"

namespace solarhook::deliver {

struct sink_counts {
    std::uint64_t delivered = 0;
    std::uint64_t retried = 0;  // attempts that failed and were scheduled again
    std::uint64_t dead = 0;
    std::size_t held = 0;  // jobs in memory
    unsigned in_flight = 0;
    store::millis oldest_received = 0;  // the oldest event with a job in memory; 0: none
};

class sink_runner {
  public:
    struct options {
        std::size_t window = 4096;
        std::chrono::milliseconds poll{250};
    };

    sink_runner(boost::asio::io_context& io, journal& j, const clock& clk,
                const route::compiled_sink& sink, std::unique_ptr<sink_driver> driver,
                options opts);
    ~sink_runner();
    sink_runner(const sink_runner&) = delete;
    sink_runner& operator=(const sink_runner&) = delete;

    // All on the io thread.
    void add(job j);
    // Reads pending jobs from the journal while the window has room.
    void poll();
    // A reload: later attempts use the new settings and driver.
    void update(const route::compiled_sink& sink, std::unique_ptr<sink_driver> driver);
    void reopen();
    void close();
    sink_counts counts() const;
    const std::string& name() const { return sink_.config.name; }

  private:
    struct lane {
        // By id; the head is the one attempted. A list: most lanes hold one job, and a
        // deque's first block and map per lane were 40% of what a full window of
        // pending deliveries held in memory.
        std::list<job> jobs;
        bool busy = false;  // the head is being attempted or its outcome recorded
    };
    void insert_(job j);
    void schedule_(const std::string& key);
    void pump_();
    void arm_timer_(store::millis now);
    void attempt_(const std::string& key);
    void finish_(const std::string& key, attempt_result r);
    // said: the log message for a retry or a dead delivery (nullptr for success).
    void record_(const std::string& key, store::delivery_outcome o, int failures, const char* said);
    void forget_(std::int64_t id);
    std::string lane_key_(const job& j) const;

    boost::asio::io_context& io_;
    journal& journal_;
    const clock& clock_;
    route::compiled_sink sink_;
    std::shared_ptr<sink_driver> driver_;
    retry_policy retry_;
    const options opts_;
    std::unordered_map<std::string, lane> lanes_;
    std::unordered_set<std::int64_t> known_;  // in memory, or recording
    // Recently finished ids: a late add() of one of them is not attempted again.
    std::deque<std::int64_t> finished_order_;
    std::unordered_set<std::int64_t> finished_;
    // (due time, lane key, head id): heads waiting for their time or a free slot.
    std::multimap<store::millis, std::pair<std::string, std::int64_t>> ready_;
    unsigned in_flight_ = 0;
    bool overflow_ = false;  // pending jobs on disk that are not in memory
    // Where the next read of pending rows starts: past the last row read while more
    // were waiting (a backlog is read once, not rescanned from its start each poll);
    // 0 once a read reached the end, so rows replayed behind it are found too.
    std::int64_t disk_cursor_ = 0;
    boost::asio::steady_timer timer_;
    store::millis timer_at_ = 0;
    std::mt19937_64 rng_{std::random_device{}()};
    sink_counts counts_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace solarhook::deliver
