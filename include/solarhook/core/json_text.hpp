// Writing JSON text by hand where building an nlohmann value first would cost
// more than the rest of the work (the per-request answer and log lines). Strings
// are escaped exactly as nlohmann's dump does, invalid UTF-8 replaced (U+FFFD).
#pragma once

#include <string>
#include <string_view>

namespace solarhook {

// Appends `s` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view s);

}  // namespace solarhook
