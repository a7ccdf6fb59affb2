// Personal data kept out of log lines: the values of configured field names
// ("customer_email", or a prefix "phone_*") become "***" wherever they appear in
// a line's fields, nested objects and arrays included. Only logging uses it:
// the store and the sinks keep the real values.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace solarhook::log {

class redactor {
  public:
    redactor() = default;
    explicit redactor(std::vector<std::string> patterns);
    bool empty() const noexcept { return exact_.empty() && prefixes_.empty(); }
    bool matches(std::string_view field) const noexcept;
    // Replaces, in place, the value of every member whose name matches.
    void apply(nlohmann::json& j) const;
    // `json_text` redacted, or nullopt when it names no redacted field (the
    // common case for a line without personal data: no parse, no copy).
    std::optional<std::string> apply_text(std::string_view json_text) const;

  private:
    std::vector<std::string> exact_;
    std::vector<std::string> prefixes_;
};

}  // namespace solarhook::log
