// The default dedup key per sample: SHA-256 of the type and the canonical text the
// decoder already wrote (bm_decode includes writing it), and SHA-256 alone.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "solarhook/decode/decoder.hpp"
#include "solarhook/dedup/dedup_key.hpp"

namespace {

solarhook::decoded_event decode_sample(const std::string& name) {
    std::ifstream in(std::string(SOLARHOOK_SAMPLES_DIR) + "/" + name);
    std::ostringstream ss;
    ss << in.rdbuf();
    auto result = solarhook::decode_body(ss.str(), std::nullopt, {});
    auto* ok = std::get_if<std::vector<solarhook::decoded_event>>(&result);
    if (ok == nullptr || ok->empty())
        throw std::runtime_error("sample did not decode: " + name);
    return std::move(ok->front());
}

void bm_event_key(benchmark::State& state, const char* sample) {
    const auto ev = decode_sample(sample);
    const solarhook::key_policy policy;
    std::vector<std::string> warnings;
    for (auto _ : state) {
        benchmark::DoNotOptimize(solarhook::event_key(ev, policy, std::nullopt, 0, 1, warnings));
    }
    state.SetItemsProcessed(state.iterations());
}

void bm_sha256_hex(benchmark::State& state) {
    const std::string data(static_cast<std::size_t>(state.range(0)), 'x');
    for (auto _ : state) {
        benchmark::DoNotOptimize(solarhook::sha256_hex(data));
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}

}  // namespace

BENCHMARK_CAPTURE(bm_event_key, customer_created, "customer_created.json");
BENCHMARK_CAPTURE(bm_event_key, v2_customer_created, "v2/customer_created.json");
BENCHMARK_CAPTURE(bm_event_key, recent_draft_project, "recent_draft_project.json");
BENCHMARK(bm_sha256_hex)->Arg(128)->Arg(700);
