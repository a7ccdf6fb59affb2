// The default dedup key: canonical JSON of the event plus SHA-256, per sample,
// and the two halves apart so a regression points at one of them.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "solarhook/decode/canonical_json.hpp"
#include "solarhook/decode/decoder.hpp"
#include "solarhook/dedup/dedup_key.hpp"

namespace {

std::string read_sample(const std::string& name) {
    std::ifstream in(std::string(SOLARHOOK_SAMPLES_DIR) + "/" + name);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

solarhook::decoded_event decode_sample(const std::string& name) {
    auto result = solarhook::decode_body(read_sample(name), std::nullopt, {});
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

// Parse and canonical text together: the decoder writes the canonical text from
// the document it has parsed anyway, so bm_decode includes this work once.
void bm_canonical_json(benchmark::State& state) {
    const auto text = read_sample("v2/customer_created.json");
    for (auto _ : state) {
        benchmark::DoNotOptimize(solarhook::canonical_json(text));
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
BENCHMARK(bm_canonical_json);
BENCHMARK(bm_sha256_hex)->Arg(128)->Arg(700);
