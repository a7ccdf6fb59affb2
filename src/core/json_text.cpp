#include "solarhook/core/json_text.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace solarhook {

void append_json_string(std::string& out, std::string_view s) {
    const bool plain = std::all_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x7F && c != '"' && c != '\\';
    });
    if (plain) {  // the common case: nothing to escape, no json value needed
        out += '"';
        out += s;
        out += '"';
        return;
    }
    nlohmann::detail::serializer<nlohmann::json> ser(
        nlohmann::detail::output_adapter<char, std::string>(out), ' ',
        nlohmann::json::error_handler_t::replace);
    ser.dump(nlohmann::json(std::string(s)), false, false, 0);
}

}  // namespace solarhook
