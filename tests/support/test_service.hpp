// A real solarhook service on 127.0.0.1 with an ephemeral port, assembled the
// way the daemon assembles it, plus handlers tests can observe or hold back.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "solarhook/app/service.hpp"
#include "solarhook/pipeline/handler.hpp"

namespace solarhook::test {

// Records every event it sees. Optionally holds each event at a gate until the
// test opens it (a "slow handler" whose duration the test controls).
class recording_handler final : public handler {
  public:
    explicit recording_handler(bool gated = false) : gated_(gated) {}
    std::string_view name() const override { return "recording"; }

    std::vector<queued_event> seen() {
        std::lock_guard lock(mutex_);
        return seen_;
    }
    std::size_t count() {
        std::lock_guard lock(mutex_);
        return seen_.size();
    }
    bool wait_count(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [&] { return seen_.size() >= n; });
    }
    // Waits until a worker is inside handle_ (blocked at the gate).
    bool wait_entered(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [&] { return entered_ >= n; });
    }
    void open_gate() {
        std::lock_guard lock(mutex_);
        gated_ = false;
        cv_.notify_all();
    }
    void throw_on(std::string type) {
        std::lock_guard lock(mutex_);
        throw_on_ = std::move(type);
    }

  protected:
    void handle_(const queued_event& ev) override {
        std::unique_lock lock(mutex_);
        ++entered_;
        cv_.notify_all();
        cv_.wait_for(lock, std::chrono::seconds(30), [&] { return !gated_; });
        if (!throw_on_.empty() && ev.event.type_label == throw_on_) {
            throw std::runtime_error("test handler refuses " + throw_on_);
        }
        seen_.push_back(ev);
        cv_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool gated_;
    std::size_t entered_ = 0;
    std::string throw_on_;
    std::vector<queued_event> seen_;
};

inline config test_config() {
    config c;
    c.listen_host = "127.0.0.1";
    c.listen_port = 0;
    c.drain_timeout = std::chrono::seconds(5);
    c.store.kind = store_kind::memory;  // durable-store tests set their own data dir
    return c;
}

struct running_service {
    explicit running_service(config c = test_config(), bool gated = false)
        : recorder(std::make_shared<recording_handler>(gated)),
          svc(std::make_unique<app::service>(
              std::move(c), std::vector<std::shared_ptr<handler>>{recorder}, clk)) {
        svc->start();
    }
    ~running_service() {
        recorder->open_gate();
        svc->shutdown();
    }
    std::uint16_t port() const { return svc->port(); }

    system_clock clk;
    std::shared_ptr<recording_handler> recorder;
    std::unique_ptr<app::service> svc;
};

std::string read_sample(const std::string& name);

}  // namespace solarhook::test
