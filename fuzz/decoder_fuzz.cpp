// libFuzzer: body bytes through the decoder to typed events or a problem, then
// each event through the key and the normalized event the sinks receive. The
// first byte picks the URL's event type (none, a known one, an unknown one).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "solarhook/decode/decoder.hpp"
#include "solarhook/decode/normalized.hpp"
#include "solarhook/dedup/dedup_key.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace solarhook;
    if (size == 0) {
        return 0;
    }
    static const std::optional<std::string_view> url_types[] = {
        std::nullopt, "customer_created", "customer_status_change", "project_email_sent",
        "contract_signed"};
    const auto url_type = url_types[data[0] % std::size(url_types)];
    const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    static const decode_limits limits{64 * 1024, 32, 100};
    auto result = decode_body(body, url_type, limits);
    if (auto* events = std::get_if<std::vector<decoded_event>>(&result)) {
        static const key_policy keys{
            {{"project_email_sent", "{belongs_to_project}_{activity_type}"}}};
        for (std::size_t i = 0; i < events->size(); ++i) {
            auto& ev = (*events)[i];
            const auto key = event_key(ev, keys, std::nullopt, i, events->size(), ev.warnings);
            const auto normalized = normalize(ev, event_meta{key, 1, {}, "fuzz"});
            (void)normalized.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        }
    }
    return 0;
}
