// What counting costs one webhook request on the request path: its request
// (route, status, time to ack) and one event, as the session and the endpoint
// count them; with one thread, and with the io threads of a busy daemon.
#include <benchmark/benchmark.h>

#include "solarhook/metrics/metrics.hpp"

namespace {

using namespace solarhook::metrics;

void bm_metrics_per_request(benchmark::State& state) {
    static registry r;
    set_enabled(true);
    for (auto _ : state) {
        r.request(route_label::webhook, 200, 0.0012);
        r.event("customer_status_change", event_result::accepted);
    }
}
BENCHMARK(bm_metrics_per_request)->Threads(1)->Threads(2)->UseRealTime();

void bm_metrics_scrape(benchmark::State& state) {
    static registry r;
    snapshot s;
    for (int i = 0; i < 5; ++i) {
        s.sinks.push_back({"sink" + std::to_string(i), 100, 2, 1, 10, 1.5});
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(r.scrape(s));
    }
}
BENCHMARK(bm_metrics_scrape);

}  // namespace
