// What forwarding adds per event outside the store: the worker builds the
// normalized event (parsing the raw payload into it) and the delivery thread
// dumps it as the default http body, the exec stdin or the file line.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "solarhook/decode/decoder.hpp"
#include "solarhook/decode/normalized.hpp"

namespace {

using namespace solarhook;

decoded_event sample_event(const std::string& name) {
    std::ifstream in(std::string(SOLARHOOK_SAMPLES_DIR) + "/" + name);
    if (!in)
        throw std::runtime_error("missing sample " + name);
    std::ostringstream ss;
    ss << in.rdbuf();
    auto r = decode_body(ss.str(), std::nullopt, decode_limits{});
    auto* ok = std::get_if<std::vector<decoded_event>>(&r);
    if (ok == nullptr || ok->empty())
        throw std::runtime_error("sample did not decode: " + name);
    return std::move(ok->front());
}

const event_meta k_meta{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 42,
                        std::chrono::system_clock::time_point{}, "req-0123456789"};

void bm_normalize(benchmark::State& state, const char* sample) {
    const auto ev = sample_event(sample);
    for (auto _ : state) {
        benchmark::DoNotOptimize(normalize(ev, k_meta));
    }
}

void bm_normalized_dump(benchmark::State& state, const char* sample) {
    const auto n = normalize(sample_event(sample), k_meta);
    for (auto _ : state) {
        benchmark::DoNotOptimize(n.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
}

}  // namespace

BENCHMARK_CAPTURE(bm_normalize, customer_status_change, "customer_status_change.json");
BENCHMARK_CAPTURE(bm_normalize, project_email_sent, "project_email_sent.json");
BENCHMARK_CAPTURE(bm_normalized_dump, customer_status_change, "customer_status_change.json");
BENCHMARK_CAPTURE(bm_normalized_dump, project_email_sent, "project_email_sent.json");
