#include "solarhook/config/metrics.hpp"

#include "config/key_table.hpp"
#include "solarhook/config/config.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;
using namespace config_read;
using row = key_row<metrics_config>;

const std::vector<row>& metrics_keys() {
    static const std::vector<row> keys{
        {"metrics.enabled",
         "`GET /metrics` answers in the Prometheus text format (no token needed, like the "
         "health endpoints). false: 404, and nothing is counted.",
         [](metrics_config& m, const json& v, const std::string& k) {
             if (!v.is_boolean()) {
                 fail(k, "expected true or false");
             }
             m.enabled = v.get<bool>();
         },
         [](const metrics_config& m) { return json(m.enabled); }},
        {"metrics.listen",
         "`HOST:PORT` of a listener for `/metrics` (and the health endpoints) alone, e.g. "
         "`127.0.0.1:9464`, so that metrics are not served where the webhook path is. Empty: "
         "served on `listen`.",
         [](metrics_config& m, const json& v, const std::string& k) {
             m.listen = get_string(v, k);
             if (!m.listen.empty()) {
                 config scratch;
                 apply_listen(scratch, m.listen, k);
                 m.listen_host = scratch.listen_host;
                 m.listen_port = scratch.listen_port;
             }
         },
         [](const metrics_config& m) { return json(m.listen); }},
    };
    return keys;
}

}  // namespace

bool is_metrics_section(std::string_view name) {
    return is_section(metrics_keys(), name);
}

void apply_metrics(metrics_config& m, std::string_view name, const json& v) {
    apply_rows(metrics_keys(), m, std::string(name), v);
}

json metrics_to_json(const metrics_config& m) {
    return rows_to_json(metrics_keys(), m);
}

std::string metrics_keys_markdown() {
    return rows_markdown(metrics_keys());
}

}  // namespace solarhook
