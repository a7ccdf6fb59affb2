// Templates over the normalized event (decode/normalized.hpp). `{name}` is a
// field, `{raw.<member>}` a member of the raw payload, `{{` and `}}` literal
// braces. A JSON template renders into JSON values, never into text, so any
// field value gives valid JSON; a string that is exactly one placeholder keeps
// the field's JSON type. Syntax errors throw template_error at compile time.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace solarhook::route {

class template_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class text_escape { none, url };

class text_template {
  public:
    static text_template compile(std::string_view text);
    // Absent and null fields render as nothing; strings as themselves; other
    // values as their JSON text.
    std::string render(const nlohmann::json& normalized, text_escape e = text_escape::none) const;
    // The placeholder when the text is exactly one, else empty.
    std::string_view sole_placeholder() const;
    void placeholders(std::vector<std::string>& out) const;
    bool has_placeholders() const;

  private:
    struct part {
        bool field = false;
        std::string text;  // literal text, or the field's name
    };
    std::vector<part> parts_;
};

class json_template {
  public:
    static json_template compile(const nlohmann::json& body);
    nlohmann::json render(const nlohmann::json& normalized) const;
    void placeholders(std::vector<std::string>& out) const;

    struct node;  // defined where it is compiled and rendered

  private:
    std::shared_ptr<const node> root_;
};

// RFC 3986 percent-encoding of everything but the unreserved characters.
std::string url_encode(std::string_view s);

}  // namespace solarhook::route
