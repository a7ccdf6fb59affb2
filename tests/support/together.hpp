// Runs `fn` on `n` threads released at the same moment, and returns once all are
// done: the races the concurrency tests look for need the calls to overlap.
#pragma once

#include <barrier>
#include <cstddef>
#include <thread>
#include <vector>

namespace solarhook::test {

template <class Fn>
void run_together(std::size_t n, Fn fn) {
    std::barrier start(static_cast<std::ptrdiff_t>(n));
    std::vector<std::thread> threads;
    threads.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        threads.emplace_back([&] {
            start.arrive_and_wait();
            fn();
        });
    }
    for (auto& t : threads) {
        t.join();
    }
}

}  // namespace solarhook::test
