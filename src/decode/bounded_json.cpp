#include "solarhook/decode/bounded_json.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <nlohmann/json.hpp>

namespace solarhook {

std::size_t nesting_depth(std::string_view text, std::size_t stop_at) noexcept {
    std::size_t depth = 0;
    std::size_t deepest = 0;
    bool in_string = false;
    bool escaped = false;
    for (const char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        switch (c) {
            case '"':
                in_string = true;
                break;
            case '[':
            case '{':
                if (++depth > deepest) {
                    deepest = depth;
                    if (deepest > stop_at) {
                        return deepest;
                    }
                }
                break;
            case ']':
            case '}':
                if (depth > 0) {
                    --depth;
                }
                break;
            default:
                break;
        }
    }
    return deepest;
}

std::variant<simdjson::dom::element, problem> parse_bounded(std::string_view body,
                                                            std::size_t max_bytes,
                                                            std::size_t max_depth) {
    if (body.size() > max_bytes) {
        return problem{errc::body_too_large,
                       fmt::format("body is {} bytes, the limit is {}", body.size(), max_bytes)};
    }
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return problem{errc::empty_body, "request body is empty"};
    }
    const auto too_deep = [&] {
        return problem{errc::too_deep,
                       fmt::format("JSON nesting is deeper than {} levels", max_depth),
                       nlohmann::json::array({{{"max_depth", max_depth}}})};
    };
    // simdjson enforces the depth itself (and counts it as nesting_depth does), so
    // the fast path does not scan the body twice.
    thread_local simdjson::dom::parser parser;
    if (parser.max_depth() != max_depth &&
        parser.allocate(std::max(parser.capacity(), body.size()), max_depth) != simdjson::SUCCESS) {
        return problem{errc::overloaded, "out of memory while parsing the body"};
    }
    simdjson::dom::element root;
    const auto fast = parser.parse(body.data(), body.size(), true).get(root);
    if (fast == simdjson::SUCCESS) {
        return root;
    }
    // nlohmann's parser recurses without a limit of its own: bound it before it runs.
    if (fast == simdjson::DEPTH_ERROR || nesting_depth(body, max_depth) > max_depth) {
        return too_deep();
    }
    try {
        // Text nlohmann accepts and simdjson does not (an integer past 64 bits, a
        // byte-order mark) is re-written by nlohmann into text simdjson takes.
        const std::string again = nlohmann::json::parse(body).dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace);
        if (parser.parse(again.data(), again.size(), true).get(root) == simdjson::SUCCESS) {
            return root;
        }
        return problem{errc::malformed_json,
                       fmt::format("malformed JSON: {}", simdjson::error_message(fast))};
    } catch (const nlohmann::json::parse_error& e) {
        // what() reads "[json.exception.parse_error.101] parse error at line 1, column 5: ...".
        std::string_view what = e.what();
        if (const auto close = what.find("] "); close != std::string_view::npos) {
            what.remove_prefix(close + 2);
        }
        return problem{errc::malformed_json, fmt::format("malformed JSON: {}", what),
                       nlohmann::json::array({{{"byte", e.byte}}})};
    } catch (const nlohmann::json::exception& e) {
        return problem{errc::malformed_json, fmt::format("malformed JSON: {}", e.what())};
    }
}

}  // namespace solarhook
