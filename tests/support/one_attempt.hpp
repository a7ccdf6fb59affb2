// Runs one sink driver's attempt to its end on a test's own io_context: the
// drivers answer on the io thread, so the test runs it until the answer comes
// (20 s at most; then a retry saying "no answer").
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>

#include "solarhook/deliver/delivery.hpp"

namespace solarhook::test {

inline deliver::attempt_result one_attempt(deliver::sink_driver& d, boost::asio::io_context& io,
                                           const nlohmann::json& ev) {
    std::optional<deliver::attempt_result> out;
    d.start(ev, [&](deliver::attempt_result r) { out = std::move(r); });
    io.restart();
    auto work = boost::asio::make_work_guard(io);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!out && std::chrono::steady_clock::now() < deadline) {
        io.run_one_for(std::chrono::seconds(1));
    }
    return out.value_or(
        deliver::attempt_result{deliver::attempt_kind::retry, "no answer", {}, {}, {}});
}

}  // namespace solarhook::test
