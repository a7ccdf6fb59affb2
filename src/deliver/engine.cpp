#include "solarhook/deliver/engine.hpp"

#include <boost/asio/post.hpp>
#include <future>

#include "solarhook/core/thread_name.hpp"
#include "solarhook/log/structured.hpp"

namespace solarhook::deliver {

using namespace std::chrono;

engine::engine(journal& j, const clock& clk, driver_factory make, sink_runner::options opts)
    : journal_(j),
      clock_(clk),
      make_(std::move(make)),
      opts_(opts),
      work_(io_.get_executor()),
      poll_timer_(io_) {}

engine::~engine() {
    stop(milliseconds(0));
}

void engine::start(std::shared_ptr<const route::router> r) {
    boost::asio::post(io_, [this, r = std::move(r)] {
        apply_(r);
        poll_();
    });
    thread_ = std::thread([this] {
        name_this_thread("sh-deliver");
        for (;;) {
            try {
                io_.run();
                return;
            } catch (const std::exception& e) {
                // A bug in one attempt's handler must not end every delivery.
                log::error("a delivery handler threw", {{"error", e.what()}});
            }
        }
    });
}

void engine::apply_(std::shared_ptr<const route::router> r) {
    for (const auto& [name, sink] : r->sinks()) {
        if (sink.config.kind == sink_kind::log) {
            continue;  // written on the workers (pipeline/route_stage)
        }
        try {
            auto driver = make_(sink, io_);
            if (auto it = runners_.find(name); it != runners_.end()) {
                it->second->update(sink, std::move(driver));
            } else {
                runners_.emplace(name, std::make_unique<sink_runner>(io_, journal_, clock_, sink,
                                                                     std::move(driver), opts_));
            }
        } catch (const std::exception& e) {
            log::error("cannot set up a sink; its deliveries wait",
                       {{"sink", name}, {"error", e.what()}});
        }
    }
    for (auto it = runners_.begin(); it != runners_.end();) {
        if (r->sink(it->first) == nullptr) {
            log::warn(
                "a sink was removed from the config; its pending deliveries stay pending until "
                "it returns or an operator acts (solarhook events list --sink NAME)",
                {{"sink", it->first}, {"in_memory", it->second->counts().held}});
            it->second->close();
            it = runners_.erase(it);
        } else {
            ++it;
        }
    }
    try {
        for (const auto& name : journal_.pending_sinks()) {
            if (r->sink(name) == nullptr) {
                log::warn(
                    "deliveries are pending for a sink the config does not have; they wait "
                    "until it returns or an operator acts (solarhook events list --sink NAME)",
                    {{"sink", name}});
            }
        }
    } catch (const std::exception& e) {
        log::warn("cannot list pending deliveries", {{"error", e.what()}});
    }
    router_ = std::move(r);
}

void engine::poll_() {
    for (auto& [name, runner] : runners_) {
        runner->poll();
    }
    poll_timer_.expires_after(opts_.poll);
    poll_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec && !stopped_) {
            poll_();
        }
    });
}

void engine::submit(std::vector<job> jobs) {
    boost::asio::post(io_, [this, jobs = std::move(jobs)]() mutable {
        for (auto& j : jobs) {
            if (auto it = runners_.find(j.sink); it != runners_.end()) {
                it->second->add(std::move(j));
            }
        }
    });
}

void engine::reload(std::shared_ptr<const route::router> r) {
    boost::asio::post(io_, [this, r = std::move(r)] { apply_(r); });
}

void engine::reopen() {
    boost::asio::post(io_, [this] {
        for (auto& [name, runner] : runners_) {
            runner->reopen();
        }
    });
}

std::map<std::string, sink_counts> engine::counts() {
    if (!thread_.joinable() || io_.stopped()) {
        return {};
    }
    auto p = std::make_shared<std::promise<std::map<std::string, sink_counts>>>();
    auto f = p->get_future();
    boost::asio::post(io_, [this, p] {
        std::map<std::string, sink_counts> out;
        for (const auto& [name, runner] : runners_) {
            out[name] = runner->counts();
        }
        p->set_value(std::move(out));
    });
    if (f.wait_for(seconds(5)) != std::future_status::ready) {
        return {};
    }
    return f.get();
}

void engine::stop(milliseconds deadline) {
    if (!thread_.joinable()) {
        return;
    }
    boost::asio::post(io_, [this] {
        stopped_ = true;
        poll_timer_.cancel();
        for (auto& [name, runner] : runners_) {
            runner->close();
        }
    });
    const auto until = steady_clock::now() + deadline;
    for (;;) {
        unsigned busy = 0;
        for (const auto& [name, c] : counts()) {
            busy += c.in_flight;
        }
        if (busy == 0 || steady_clock::now() >= until) {
            break;
        }
        std::this_thread::sleep_for(milliseconds(10));
    }
    work_.reset();
    io_.stop();
    thread_.join();
}

}  // namespace solarhook::deliver
