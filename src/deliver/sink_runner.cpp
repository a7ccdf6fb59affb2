#include "solarhook/deliver/sink_runner.hpp"

#include <fmt/format.h>

#include <boost/asio/post.hpp>

#include <algorithm>

#include "solarhook/log/structured.hpp"

namespace solarhook::deliver {

using namespace std::chrono;

namespace {

constexpr std::size_t k_finished_memory = 4096;
constexpr milliseconds k_record_retry_first{100};
constexpr milliseconds k_record_retry_max{30'000};

retry_policy policy_of(const retry_config& r) {
    return retry_policy{r.initial, r.max_delay, r.max_attempts, r.max_age};
}

}  // namespace

sink_runner::sink_runner(boost::asio::io_context& io, journal& j, const clock& clk,
                         const route::compiled_sink& sink, std::unique_ptr<sink_driver> driver,
                         options opts)
    : io_(io),
      journal_(j),
      clock_(clk),
      sink_(sink),
      driver_(std::move(driver)),
      retry_(policy_of(sink.config.retry)),
      opts_(opts),
      timer_(io) {}

sink_runner::~sink_runner() {
    *alive_ = false;
}

std::string sink_runner::lane_key_(const job& j) const {
    if (sink_.config.order == delivery_order::none || j.order_key.empty()) {
        return fmt::format("#{}", j.id);  // a lane of its own
    }
    return j.order_key;
}

void sink_runner::add(job j) {
    if (known_.count(j.id) != 0 || finished_.count(j.id) != 0) {
        return;
    }
    if (journal_.on_disk() && (overflow_ || known_.size() >= opts_.window)) {
        // It waits on disk; poll() reads it back in id order, so order holds.
        overflow_ = true;
        return;
    }
    insert_(std::move(j));
}

void sink_runner::insert_(job j) {
    known_.insert(j.id);
    const auto key = lane_key_(j);
    auto& l = lanes_[key];
    // Jobs arrive in id order but for replays; the busy head stays first.
    auto pos = std::upper_bound(std::next(l.jobs.begin(), l.busy ? 1 : 0), l.jobs.end(), j.id,
                                [](std::int64_t id, const job& x) { return id < x.id; });
    const bool new_head = pos == l.jobs.begin();
    l.jobs.insert(pos, std::move(j));
    if (new_head && !l.busy) {
        schedule_(key);
    }
}

void sink_runner::poll() {
    if (!journal_.on_disk() || known_.size() >= opts_.window) {
        return;
    }
    // From the start, the rows in memory come first and the read must get past them.
    const auto limit = disk_cursor_ > 0 ? opts_.window - known_.size() : opts_.window;
    std::vector<job> rows;
    try {
        rows = journal_.pending(sink_.config.name, disk_cursor_, static_cast<int>(limit));
    } catch (const std::exception& e) {
        log::error("cannot read pending deliveries", {{"sink", name()}, {"error", e.what()}});
        return;
    }
    auto last = disk_cursor_;
    bool full = false;
    for (auto& r : rows) {
        if (known_.size() >= opts_.window) {
            full = true;
            break;
        }
        last = r.id;
        // A row pending on disk is pending: finished ones come back only through a
        // replay (an outcome is committed before its id leaves known_).
        if (known_.count(r.id) == 0) {
            finished_.erase(r.id);
            insert_(std::move(r));
        }
    }
    // Everything pending on disk is in memory once a read comes back short.
    overflow_ = full || rows.size() >= limit;
    disk_cursor_ = overflow_ ? last : 0;
    pump_();
}

void sink_runner::schedule_(const std::string& key) {
    const auto it = lanes_.find(key);
    if (it == lanes_.end() || it->second.jobs.empty() || it->second.busy) {
        return;
    }
    const auto& head = it->second.jobs.front();
    ready_.emplace(head.next_attempt_at, std::make_pair(key, head.id));
    pump_();
}

void sink_runner::pump_() {
    const auto now = to_unix_ms(clock_.now());
    while (in_flight_ < sink_.config.max_in_flight && !ready_.empty() &&
           ready_.begin()->first <= now) {
        auto [key, id] = ready_.begin()->second;
        ready_.erase(ready_.begin());
        const auto it = lanes_.find(key);
        if (it == lanes_.end() || it->second.busy || it->second.jobs.empty() ||
            it->second.jobs.front().id != id) {
            continue;  // stale: the lane moved on
        }
        attempt_(key);
    }
    arm_timer_(now);
}

void sink_runner::arm_timer_(store::millis now) {
    if (ready_.empty() || in_flight_ >= sink_.config.max_in_flight) {
        return;
    }
    const auto at = ready_.begin()->first;
    if (timer_at_ != 0 && timer_at_ <= at) {
        return;  // armed for sooner already
    }
    timer_at_ = at;
    // Capped so a test's manual clock, moved ahead, is noticed within a poll.
    timer_.expires_after(std::clamp(milliseconds(at - now), milliseconds(0), opts_.poll));
    timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
        if (ec || !*alive) {
            return;
        }
        timer_at_ = 0;
        pump_();
    });
}

void sink_runner::attempt_(const std::string& key) {
    auto& l = lanes_[key];
    l.busy = true;
    ++in_flight_;
    const auto& j = l.jobs.front();
    std::shared_ptr<const nlohmann::json> ev = j.normalized;
    if (!ev) {
        try {
            ev = journal_.event(j.event_id);
        } catch (const std::exception& e) {
            boost::asio::post(io_, [this, key, alive = alive_, why = std::string(e.what())] {
                if (*alive) {
                    finish_(key,
                            attempt_result{
                                attempt_kind::retry, "cannot read the event: " + why, {}, {}, {}});
                }
            });
            return;
        }
    }
    if (!ev) {
        boost::asio::post(io_, [this, key, alive = alive_] {
            if (*alive) {
                finish_(key,
                        attempt_result{
                            attempt_kind::permanent, "the event is no longer stored", {}, {}, {}});
            }
        });
        return;
    }
    auto driver = driver_;  // a reload may replace it while this attempt runs
    driver->start(*ev, [this, key, alive = alive_, driver](attempt_result r) {
        if (*alive) {
            finish_(key, std::move(r));
        }
    });
}

void sink_runner::finish_(const std::string& key, attempt_result r) {
    --in_flight_;
    auto& l = lanes_[key];
    auto& j = l.jobs.front();
    const auto now = clock_.now();
    store::delivery_outcome o;
    o.id = j.id;
    o.event_id = j.event_id;
    o.attempts = j.attempts + 1;
    o.status = r.status;
    o.response = std::move(r.response);
    o.error = mask_secrets(std::move(r.error), sink_.config.secrets);
    const char* said = nullptr;  // what the log says once the outcome is on disk
    if (r.kind == attempt_kind::success) {
        o.state = store::delivery_state::done;
    } else {
        const auto age = duration_cast<milliseconds>(now - from_unix_ms(j.received_at));
        if (r.kind == attempt_kind::retry && !retry_.give_up(o.attempts, age)) {
            const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
            auto delay = retry_.delay(o.attempts, unit);
            if (r.retry_after) {
                delay = std::max(delay, *r.retry_after);
            }
            o.state = store::delivery_state::pending;
            o.next_attempt_at = to_unix_ms(now + delay);
            said = "delivery will be retried";
        } else {
            o.state = store::delivery_state::dead;
            said = r.kind == attempt_kind::permanent ? "delivery dead: permanent failure"
                                                     : "delivery dead: giving up";
        }
    }
    record_(key, std::move(o), 0, said);
    pump_();  // a slot is free
}

void sink_runner::record_(const std::string& key, store::delivery_outcome o, int failures,
                          const char* said) {
    journal_.record(o, [this, key, o, failures, said, alive = alive_](bool ok) {
        boost::asio::post(io_, [this, key, o, failures, said, ok, alive] {
            if (!*alive) {
                return;
            }
            auto& l = lanes_[key];
            if (!ok) {
                // The attempt ran; running it again would act twice. Only the record
                // is written again, with backoff, while the lane waits.
                const auto delay = std::min<milliseconds>(
                    k_record_retry_first * (1 << std::min(failures, 16)), k_record_retry_max);
                log::error(
                    "could not record a delivery's outcome; it is written again",
                    {{"sink", name()}, {"delivery_id", o.id}, {"retry_in_ms", delay.count()}});
                auto t = std::make_shared<boost::asio::steady_timer>(io_, delay);
                t->async_wait(
                    [this, t, key, o, failures, said, alive](const boost::system::error_code&) {
                        if (*alive) {
                            record_(key, o, failures + 1, said);
                        }
                    });
                return;
            }
            // Logged once the outcome is on disk, so that an operator who reads
            // "dead" and replays finds the delivery dead in the store.
            if (said != nullptr) {
                nlohmann::json where{{"sink", name()},
                                     {"delivery_id", o.id},
                                     {"event_id", o.event_id},
                                     {"attempts", o.attempts},
                                     {"error", o.error}};
                if (o.state == store::delivery_state::pending) {
                    where["next_attempt_at"] = format_rfc3339(from_unix_ms(o.next_attempt_at));
                    log::warn(said, std::move(where));
                } else {
                    where["order_key"] = l.jobs.front().order_key;
                    log::error(said, std::move(where));
                }
            }
            l.busy = false;
            if (o.state == store::delivery_state::pending) {
                ++counts_.retried;
                l.jobs.front().attempts = o.attempts;
                l.jobs.front().next_attempt_at = o.next_attempt_at;
            } else {
                o.state == store::delivery_state::done ? ++counts_.delivered : ++counts_.dead;
                l.jobs.pop_front();
                forget_(o.id);
                if (l.jobs.empty()) {
                    lanes_.erase(key);
                    pump_();
                    return;
                }
            }
            schedule_(key);
        });
    });
}

void sink_runner::forget_(std::int64_t id) {
    known_.erase(id);
    finished_.insert(id);
    finished_order_.push_back(id);
    if (finished_order_.size() > k_finished_memory) {
        finished_.erase(finished_order_.front());
        finished_order_.pop_front();
    }
}

void sink_runner::update(const route::compiled_sink& sink, std::unique_ptr<sink_driver> driver) {
    driver_->close();
    sink_ = sink;
    driver_ = std::move(driver);
    retry_ = policy_of(sink.config.retry);
    pump_();
}

void sink_runner::reopen() {
    driver_->reopen();
}

void sink_runner::close() {
    timer_.cancel();
    driver_->close();
}

sink_counts sink_runner::counts() const {
    auto c = counts_;
    c.held = known_.size();
    c.in_flight = in_flight_;
    // A lane's head is its oldest job: a look at each head finds the oldest of all.
    for (const auto& [key, l] : lanes_) {
        if (!l.jobs.empty() &&
            (c.oldest_received == 0 || l.jobs.front().received_at < c.oldest_received)) {
            c.oldest_received = l.jobs.front().received_at;
        }
    }
    return c;
}

}  // namespace solarhook::deliver
