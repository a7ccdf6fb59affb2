// The `metrics` keys: whether GET /metrics answers, and on which listener. One
// table of rows parses, prints and documents them (src/config/key_table.hpp);
// docs/configuration.md's table is metrics_keys_markdown(), checked by a test.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace solarhook {

struct metrics_config {
    bool enabled = true;
    std::string listen;  // "HOST:PORT" of a listener of its own; empty: the main one
    std::string listen_host;
    std::uint16_t listen_port = 0;
    bool separate() const noexcept { return enabled && !listen.empty(); }
};

bool is_metrics_section(std::string_view name);
void apply_metrics(metrics_config& m, std::string_view name, const nlohmann::json& v);
nlohmann::json metrics_to_json(const metrics_config& m);
std::string metrics_keys_markdown();

}  // namespace solarhook
