// Decoder throughput per event type on the reference samples (both generations):
// parse with the bounded parser, classify, type. Reports bytes/s and events/s.
#include <benchmark/benchmark.h>

#include <simdjson.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

#include "solarhook/decode/decoder.hpp"

namespace {

std::string read_sample(const std::string& name) {
    std::ifstream in(std::string(SOLARHOOK_SAMPLES_DIR) + "/" + name);
    if (!in)
        throw std::runtime_error("missing sample " + name);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void bm_decode(benchmark::State& state, const char* sample) {
    const std::string body = read_sample(sample);
    const solarhook::decode_limits limits;
    std::size_t events = 0;
    for (auto _ : state) {
        auto result = solarhook::decode_body(body, std::nullopt, limits);
        auto* ok = std::get_if<std::vector<solarhook::decoded_event>>(&result);
        if (ok == nullptr) {
            state.SkipWithError("sample did not decode");
            return;
        }
        events += ok->size();
        benchmark::DoNotOptimize(result);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(events));
}

}  // namespace

BENCHMARK_CAPTURE(bm_decode, customer_created, "customer_created.json");
BENCHMARK_CAPTURE(bm_decode, customer_status_change, "customer_status_change.json");
BENCHMARK_CAPTURE(bm_decode, project_email_sent, "project_email_sent.json");
BENCHMARK_CAPTURE(bm_decode, project_sms_sent, "project_sms_sent.json");
BENCHMARK_CAPTURE(bm_decode, published_proposal_link, "published_proposal_link.json");
BENCHMARK_CAPTURE(bm_decode, recent_draft_project, "recent_draft_project.json");
BENCHMARK_CAPTURE(bm_decode, v2_customer_created, "v2/customer_created.json");
BENCHMARK_CAPTURE(bm_decode, v2_project_email_sent_array, "v2/project_email_sent.json");

namespace {
// nlohmann's DOM parse alone, no bounds, no typing: what the decoder used until it
// moved to simdjson, kept as the reference for that step.
void bm_nlohmann_parse_only(benchmark::State& state, const char* sample) {
    const std::string body = read_sample(sample);
    for (auto _ : state) {
        benchmark::DoNotOptimize(nlohmann::json::parse(body));
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

// simdjson's parse alone (a reused parser, as the decoder's): the ceiling of the
// decoder as built, so the rest of bm_decode is typing and writing canonical text.
void bm_simdjson_parse_only(benchmark::State& state, const char* sample) {
    const std::string body = read_sample(sample);
    simdjson::dom::parser parser;
    for (auto _ : state) {
        simdjson::dom::element root;
        if (parser.parse(body.data(), body.size(), true).get(root) != simdjson::SUCCESS) {
            state.SkipWithError("sample did not parse");
            return;
        }
        benchmark::DoNotOptimize(root);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
}  // namespace

BENCHMARK_CAPTURE(bm_nlohmann_parse_only, customer_created, "customer_created.json");
BENCHMARK_CAPTURE(bm_nlohmann_parse_only, v2_customer_created, "v2/customer_created.json");
BENCHMARK_CAPTURE(bm_simdjson_parse_only, customer_created, "customer_created.json");
BENCHMARK_CAPTURE(bm_simdjson_parse_only, v2_customer_created, "v2/customer_created.json");
