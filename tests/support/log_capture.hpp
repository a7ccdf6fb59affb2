// Captures the process-wide structured log for a test: every line is kept and
// can be waited for with a predicate and a timeout (no sleeping).
#pragma once

#include <spdlog/sinks/base_sink.h>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "solarhook/log/structured.hpp"

namespace solarhook::test {

class capture_sink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    std::vector<nlohmann::json> records() {
        std::lock_guard lock(mutex_);
        std::vector<nlohmann::json> out;
        for (const auto& l : lines_) {
            out.push_back(nlohmann::json::parse(l));
        }
        return out;
    }
    std::vector<std::string> lines() {
        std::lock_guard lock(mutex_);
        return lines_;
    }
    bool wait_for(const std::function<bool(const std::vector<nlohmann::json>&)>& pred,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] {
            std::vector<nlohmann::json> recs;
            for (const auto& l : lines_) {
                recs.push_back(nlohmann::json::parse(l));
            }
            return pred(recs);
        });
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        lines_.emplace_back(msg.payload.data(), msg.payload.size());
        changed_.notify_all();
    }
    void flush_() override {}

  private:
    std::vector<std::string> lines_;
    std::condition_variable_any changed_;
};

// Installs a capture sink as the process-wide logger for its lifetime.
struct log_capture {
    explicit log_capture(log::level lvl = log::level::info)
        : sink(std::make_shared<capture_sink>()) {
        log::init(log_format::json, lvl, sink);
    }
    ~log_capture() { log::init(log_format::json, log::level::off); }
    std::size_t count(const std::string& msg) {
        auto recs = sink->records();
        return static_cast<std::size_t>(std::count_if(
            recs.begin(), recs.end(), [&](const nlohmann::json& r) { return r["msg"] == msg; }));
    }
    std::shared_ptr<capture_sink> sink;
};

}  // namespace solarhook::test
