// Waits for a condition that has no notification hook (a row in another
// process's database, say), checking it every few milliseconds up to a deadline.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace solarhook::test {

inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

}  // namespace solarhook::test
