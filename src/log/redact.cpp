#include "solarhook/log/redact.hpp"

#include "solarhook/log/structured.hpp"

namespace solarhook::log {

redactor::redactor(std::vector<std::string> patterns) {
    for (auto& p : patterns) {
        if (!p.empty() && p.back() == '*') {
            p.pop_back();
            prefixes_.push_back(std::move(p));
        } else {
            exact_.push_back(std::move(p));
        }
    }
}

bool redactor::matches(std::string_view field) const noexcept {
    for (const auto& e : exact_) {
        if (field == e) {
            return true;
        }
    }
    for (const auto& p : prefixes_) {
        if (field.starts_with(p)) {
            return true;
        }
    }
    return false;
}

void redactor::apply(nlohmann::json& j) const {
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (matches(it.key())) {
                it.value() = "***";
            } else {
                apply(it.value());
            }
        }
    } else if (j.is_array()) {
        for (auto& v : j) {
            apply(v);
        }
    }
}

std::optional<std::string> redactor::apply_text(std::string_view json_text) const {
    // A member name appears in the text as "name: look for the quote-led name
    // (or prefix) before paying for a parse.
    const auto named = [&](const std::string& n) {
        for (auto pos = json_text.find(n); pos != std::string_view::npos;
             pos = json_text.find(n, pos + 1)) {
            if (pos > 0 && json_text[pos - 1] == '"') {
                return true;
            }
        }
        return false;
    };
    bool any = false;
    for (const auto& e : exact_) {
        any = any || named(e);
    }
    for (const auto& p : prefixes_) {
        any = any || named(p);
    }
    if (!any) {
        return std::nullopt;
    }
    auto j = nlohmann::json::parse(json_text, nullptr, false);
    if (j.is_discarded()) {
        return std::string("\"***\"");  // cannot tell what it holds: show nothing
    }
    apply(j);
    return safe_dump(j);
}

}  // namespace solarhook::log
