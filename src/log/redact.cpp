#include "solarhook/log/redact.hpp"

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

namespace {

// The index just past the JSON string starting at `i` (a quote), escapes included.
std::size_t string_end(std::string_view t, std::size_t i) noexcept {
    for (++i; i < t.size(); ++i) {
        if (t[i] == '\\') {
            ++i;
        } else if (t[i] == '"') {
            return i + 1;
        }
    }
    return t.size();
}

// The index just past the JSON value starting at `i` (nested values included).
std::size_t value_end(std::string_view t, std::size_t i) noexcept {
    int depth = 0;
    while (i < t.size()) {
        const char c = t[i];
        if (c == '"') {
            i = string_end(t, i);
            if (depth == 0) {
                return i;
            }
            continue;
        }
        if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (depth == 0) {
                return i;  // the enclosing container's end: a scalar ended before it
            }
            if (--depth == 0) {
                return i + 1;
            }
        } else if (c == ',' && depth == 0) {
            return i;
        }
        ++i;
    }
    return i;
}

}  // namespace

std::optional<std::string> redactor::apply_text(std::string_view json_text) const {
    // A member name appears in the text as "name: look for the quote-led name
    // (or prefix) before doing any work.
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
    // One pass over the text, no parse: a string right after '{' or ',' inside an
    // object is a member name; the value after a redacted name's ':' is replaced.
    // Parsing and printing the line again cost more than the rest of an event.
    std::string out;
    out.reserve(json_text.size());
    std::string containers;  // '{' or '[' per open level
    bool expect_name = false;
    std::size_t i = 0;
    const auto t = json_text;
    while (i < t.size()) {
        const char c = t[i];
        if (c == '"') {
            const auto end = string_end(t, i);
            const auto text = t.substr(i, end - i);
            out.append(text);
            i = end;
            if (!expect_name || containers.empty() || containers.back() != '{') {
                continue;
            }
            expect_name = false;
            while (i < t.size() &&
                   (t[i] == ' ' || t[i] == ':' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) {
                out += t[i++];
            }
            const auto name = text.size() >= 2 ? text.substr(1, text.size() - 2) : text;
            if (matches(name)) {
                out += "\"***\"";
                i = value_end(t, i);
            }
            continue;
        }
        if (c == '{' || c == '[') {
            containers += c;
            expect_name = c == '{';
        } else if ((c == '}' || c == ']') && !containers.empty()) {
            containers.pop_back();
        } else if (c == ',') {
            expect_name = !containers.empty() && containers.back() == '{';
        }
        out += c;
        ++i;
    }
    return out;
}

}  // namespace solarhook::log
