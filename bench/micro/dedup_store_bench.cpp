// memory_dedup_store: check-and-mark at 10k and 1M live keys (a fresh key per
// iteration, as under load, so each mark also evicts or expires nothing until the
// bound), and the heap bytes each live key costs, measured with mallinfo2 (mapped
// blocks included: they are allocated, if not all touched).
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "solarhook/core/clock.hpp"
#include "solarhook/dedup/dedup_key.hpp"
#include "solarhook/dedup/memory_dedup_store.hpp"

namespace {

// Keys shaped like the default key: 64 hex characters of a SHA-256.
std::string key_for(std::uint64_t i) {
    return solarhook::sha256_hex(std::to_string(i));
}

std::vector<std::string> make_keys(std::uint64_t from, std::size_t n) {
    std::vector<std::string> keys;
    keys.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        keys.push_back(key_for(from + i));
    return keys;
}

void bm_check_and_mark(benchmark::State& state) {
    const auto live = static_cast<std::size_t>(state.range(0));
    solarhook::manual_clock clk;
    // Room for the live keys and every key the loop adds: nothing is evicted.
    solarhook::memory_dedup_store store(clk, std::chrono::hours(24), live + (1 << 20));
    for (const auto& k : make_keys(0, live))
        store.try_mark(k);
    const auto fresh = make_keys(live, 1 << 20);
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(store.try_mark(fresh[i++ & (fresh.size() - 1)]));
    }
    state.SetItemsProcessed(state.iterations());
}

void bm_duplicate_check(benchmark::State& state) {
    const auto live = static_cast<std::size_t>(state.range(0));
    solarhook::manual_clock clk;
    solarhook::memory_dedup_store store(clk, std::chrono::hours(24), live);
    const auto keys = make_keys(0, live);
    for (const auto& k : keys)
        store.try_mark(k);
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(store.try_mark(keys[(i++ * 7919) % keys.size()]));
    }
    state.SetItemsProcessed(state.iterations());
}

void bm_bytes_per_key(benchmark::State& state) {
    const auto live = static_cast<std::size_t>(state.range(0));
    const auto keys = make_keys(0, live);
    double per_key = 0;
    for (auto _ : state) {
        solarhook::manual_clock clk;
        // hblkhd: the table's arrays are large enough for malloc to map them apart.
        const auto before = mallinfo2().uordblks + mallinfo2().hblkhd;
        auto store =
            std::make_unique<solarhook::memory_dedup_store>(clk, std::chrono::hours(24), live);
        for (const auto& k : keys)
            store->try_mark(k);
        const auto after = mallinfo2().uordblks + mallinfo2().hblkhd;
        per_key = static_cast<double>(after - before) / static_cast<double>(live);
        benchmark::DoNotOptimize(store);
    }
    state.counters["bytes_per_key"] = per_key;
}

}  // namespace

BENCHMARK(bm_check_and_mark)->Arg(10'000)->Arg(1'000'000)->Repetitions(3)->ReportAggregatesOnly();
BENCHMARK(bm_duplicate_check)->Arg(10'000)->Arg(1'000'000)->Repetitions(3)->ReportAggregatesOnly();
BENCHMARK(bm_bytes_per_key)
    ->Arg(10'000)
    ->Arg(1'000'000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
