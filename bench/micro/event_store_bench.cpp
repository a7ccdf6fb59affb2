// What the durable store costs per event in CPU, apart from HTTP: insert (dedup
// mark + event row) and the later done mark, in transactions of 64 events as the
// group committer makes them under load; and the same for an event forwarded to
// one sink (insert, routing, the delivery's outcome). Run with durability normal so
// that the figure is SQLite's CPU, not the disk's fsync; bench/run prints the fsync
// cost beside it. This is the floor under the durable modes' CPU-us per request.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "solarhook/dedup/dedup_key.hpp"
#include "solarhook/store/event_store.hpp"

namespace {

namespace store = solarhook::store;

// The writer's three steps for each forwarded event, each in transactions of 64
// (they share commits under load; one commit per step here).
enum class cycle { insert_then_done, forward_to_one_sink };

void run_cycle(benchmark::State& state, cycle c) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("solarhook-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    {
        store::event_store s((dir / "bench.db").string(), store::durability::normal,
                             std::chrono::milliseconds(5000));
        const std::string raw =
            R"({"belongs_to_customer":12345,"belongs_to_user":67890,"activity_type":"email_sent","belongs_to_project":54321})";
        const std::string typed =
            R"({"activity_type":"email_sent","belongs_to_customer":12345,"belongs_to_project":54321,"belongs_to_user":67890})";
        constexpr int batch = 64;
        std::uint64_t n = 0;
        std::vector<std::int64_t> ids(batch);
        std::vector<store::delivery_row> routed;
        const std::vector<store::new_delivery> sinks{{"fwd", "customer:12345", false}};
        for (auto _ : state) {
            s.begin();
            for (int i = 0; i < batch; ++i) {
                // As the daemon inserts what the worker queue has room for.
                store::new_event e{"project_email_sent", solarhook::sha256_hex(std::to_string(n++)),
                                   raw, typed, "0123456789abcdef"};
                e.claimed = true;
                ids[static_cast<std::size_t>(i)] =
                    s.insert_event(e, 1'000'000, 2'000'000, store::event_state::pending, "")
                        .value_or(0);
            }
            s.commit();
            if (c == cycle::insert_then_done) {
                s.begin();
                for (auto id : ids)
                    s.mark_done(id, true);
                s.commit();
                continue;
            }
            routed.clear();
            s.begin();
            for (auto id : ids) {
                auto r = s.route_event(id, sinks, 1'000'001, true);
                routed.insert(routed.end(), r.begin(), r.end());
            }
            s.commit();
            s.begin();
            for (const auto& d : routed) {
                s.record_delivery(
                    {d.id, d.event_id, store::delivery_state::done, 1, 0, "", 200, ""}, 1'000'002);
            }
            s.commit();
        }
        state.SetItemsProcessed(state.iterations() * batch);
        state.counters["us_per_event"] =
            benchmark::Counter(static_cast<double>(state.iterations() * batch),
                               benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    }
    std::filesystem::remove_all(dir);
}

void bm_store_insert_then_done(benchmark::State& state) {
    run_cycle(state, cycle::insert_then_done);
}

void bm_store_forward_cycle(benchmark::State& state) {
    run_cycle(state, cycle::forward_to_one_sink);
}

}  // namespace

BENCHMARK(bm_store_insert_then_done)->Unit(benchmark::kMicrosecond);
BENCHMARK(bm_store_forward_cycle)->Unit(benchmark::kMicrosecond);
