// libFuzzer: config file text through the loader. Every outcome but a config
// or JSON error (with its message) or a config that prints and loads again is
// a finding: a crash, a leak, an exception of another kind.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "solarhook/config/config.hpp"
#include "solarhook/route/router.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace solarhook;
    if (size > 64 * 1024) {
        return 0;  // a config file is small; the loader reads whatever it is given
    }
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) {
        return 0;
    }
    try {
        const config c = apply_config_json(config{}, j);
        route::router r(c.routing);  // what serve and check-config build next
        // What check-config prints loads again, secrets aside (they print masked).
        auto printed = to_json(c);
        printed.erase("auth");
        (void)apply_config_json(config{}, printed);
    } catch (const config_error&) {
    } catch (const nlohmann::json::exception&) {
        std::abort();  // the loader must turn every JSON problem into a config_error
    }
    return 0;
}
