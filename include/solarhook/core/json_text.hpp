// Writing JSON text by hand where building an nlohmann value first would cost
// more than the rest of the work (the per-request answer and log lines). Strings
// are escaped exactly as nlohmann's dump does, invalid UTF-8 replaced (U+FFFD).
#pragma once

#include <charconv>
#include <concepts>
#include <string>
#include <string_view>

namespace solarhook {

// Appends `s` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view s);

// The one writer of hand-built JSON objects (the typed fields, the answers, the
// log lines): members are appended to `out` as `"key":value`, with the commas
// between them; the caller chooses the order (nlohmann's sorted order, where a
// text must equal its dump). Keys and string values go through append_json_string.
class json_object_writer {
  public:
    // Opens a new object ('{'), or continues one whose '{' and first members the
    // caller already wrote (`continuing`).
    explicit json_object_writer(std::string& out, bool continuing = false)
        : out_(out), first_(!continuing) {
        if (!continuing) {
            out_ += '{';
        }
    }
    // `"key":` with its separator; the caller appends the value.
    json_object_writer& key(std::string_view k) {
        if (!first_) {
            out_ += ',';
        }
        first_ = false;
        append_json_string(out_, k);
        out_ += ':';
        return *this;
    }
    json_object_writer& str(std::string_view k, std::string_view v) {
        key(k);
        append_json_string(out_, v);
        return *this;
    }
    template <std::integral Int>
    json_object_writer& num(std::string_view k, Int v);
    // `json` must be one JSON value already (canonical text, a nested object).
    json_object_writer& raw(std::string_view k, std::string_view json) {
        key(k);
        out_ += json;
        return *this;
    }
    void close() { out_ += '}'; }

  private:
    std::string& out_;
    bool first_;
};

// Appends `n` in decimal: std::to_chars into a stack buffer, then one append.
// fmt through a back_inserter pushed one char at a time (~480 instructions).
template <std::integral Int>
void append_int(std::string& out, Int n) {
    char buf[24];  // the longest 64-bit value, with its sign, is 20 characters
    out.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}

template <std::integral Int>
json_object_writer& json_object_writer::num(std::string_view k, Int v) {
    key(k);
    append_int(out_, v);
    return *this;
}

}  // namespace solarhook
