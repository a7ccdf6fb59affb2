#include "solarhook/route/template.hpp"

#include <fmt/format.h>

#include <variant>

#include "solarhook/decode/normalized.hpp"

namespace solarhook::route {
namespace {

using json = nlohmann::json;

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

void append_text(std::string& out, const json* v, text_escape e) {
    if (v == nullptr || v->is_null()) {
        return;
    }
    const std::string text = v->is_string() ? v->get<std::string>() : v->dump();
    out += e == text_escape::url ? url_encode(text) : text;
}

}  // namespace

text_template text_template::compile(std::string_view text) {
    text_template t;
    std::string literal;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
            literal += '{';
            ++i;
        } else if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
            literal += '}';
            ++i;
        } else if (c == '}') {
            throw template_error(fmt::format(
                "'}}' at offset {} closes nothing (write '}}}}' for a literal brace)", i));
        } else if (c == '{') {
            const auto end = text.find('}', i + 1);
            if (end == std::string_view::npos) {
                throw template_error(fmt::format(
                    "'{{' at offset {} is never closed (write '{{{{' for a literal brace)", i));
            }
            const auto name = text.substr(i + 1, end - i - 1);
            if (name.empty() || !std::all_of(name.begin(), name.end(), name_char)) {
                throw template_error(fmt::format(
                    "placeholder '{{{}}}' at offset {} is not a field name ([A-Za-z0-9_.-])", name,
                    i));
            }
            if (!literal.empty()) {
                t.parts_.push_back(part{false, std::move(literal)});
                literal.clear();
            }
            t.parts_.push_back(part{true, std::string(name)});
            i = end;
        } else {
            literal += c;
        }
    }
    if (!literal.empty()) {
        t.parts_.push_back(part{false, std::move(literal)});
    }
    return t;
}

std::string text_template::render(const json& normalized, text_escape e) const {
    std::string out;
    for (const auto& p : parts_) {
        if (p.field) {
            append_text(out, normalized_field(normalized, p.text), e);
        } else {
            out += p.text;
        }
    }
    return out;
}

std::string_view text_template::sole_placeholder() const {
    return parts_.size() == 1 && parts_[0].field ? std::string_view(parts_[0].text)
                                                 : std::string_view();
}

void text_template::placeholders(std::vector<std::string>& out) const {
    for (const auto& p : parts_) {
        if (p.field) {
            out.push_back(p.text);
        }
    }
}

bool text_template::has_placeholders() const {
    return std::any_of(parts_.begin(), parts_.end(), [](const part& p) { return p.field; });
}

struct json_template::node {
    // A literal (no string inside it holds a placeholder), a string template, an
    // object or an array of nodes.
    std::variant<json, text_template, std::vector<std::pair<std::string, node>>, std::vector<node>>
        v;
};

namespace {

json_template::node compile_node(const json& j, const std::string& where);

}  // namespace

json_template json_template::compile(const json& body) {
    json_template t;
    t.root_ = std::make_shared<const node>(compile_node(body, ""));
    return t;
}

namespace {

json_template::node compile_node(const json& j, const std::string& where) {
    using node = json_template::node;
    try {
        if (j.is_string()) {
            auto t = text_template::compile(j.get_ref<const std::string&>());
            if (!t.has_placeholders()) {
                return node{json(t.render(json::object()))};  // braces unescaped
            }
            return node{std::move(t)};
        }
    } catch (const template_error& e) {
        throw template_error(where.empty() ? e.what() : fmt::format("{}: {}", where, e.what()));
    }
    if (j.is_object()) {
        std::vector<std::pair<std::string, node>> members;
        for (const auto& [k, v] : j.items()) {
            members.emplace_back(k, compile_node(v, where.empty() ? k : where + "." + k));
        }
        return node{std::move(members)};
    }
    if (j.is_array()) {
        std::vector<node> items;
        std::size_t i = 0;
        for (const auto& v : j) {
            items.push_back(compile_node(v, fmt::format("{}[{}]", where, i++)));
        }
        return node{std::move(items)};
    }
    return node{j};
}

json render_node(const json_template::node& n, const json& normalized) {
    return std::visit(
        [&](const auto& v) -> json {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, json>) {
                return v;
            } else if constexpr (std::is_same_v<T, text_template>) {
                if (const auto sole = v.sole_placeholder(); !sole.empty()) {
                    const json* f = normalized_field(normalized, sole);
                    return f != nullptr ? *f : json(nullptr);
                }
                return v.render(normalized);
            } else if constexpr (std::is_same_v<T, std::vector<json_template::node>>) {
                json out = json::array();
                for (const auto& item : v) {
                    out.push_back(render_node(item, normalized));
                }
                return out;
            } else {
                json out = json::object();
                for (const auto& [k, item] : v) {
                    out[k] = render_node(item, normalized);
                }
                return out;
            }
        },
        n.v);
}

void collect(const json_template::node& n, std::vector<std::string>& out) {
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, text_template>) {
                v.placeholders(out);
            } else if constexpr (std::is_same_v<T, std::vector<json_template::node>>) {
                for (const auto& item : v) {
                    collect(item, out);
                }
            } else if constexpr (!std::is_same_v<T, json>) {
                for (const auto& [k, item] : v) {
                    collect(item, out);
                }
            }
        },
        n.v);
}

}  // namespace

json json_template::render(const json& normalized) const {
    return render_node(*root_, normalized);
}

void json_template::placeholders(std::vector<std::string>& out) const {
    collect(*root_, out);
}

std::string url_encode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const unsigned char c : s) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += fmt::format("%{:02X}", c);
        }
    }
    return out;
}

}  // namespace solarhook::route
