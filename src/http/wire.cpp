#include "solarhook/http/wire.hpp"

#include <charconv>

namespace solarhook::http {

void serialize_response(const boost::beast::http::response<boost::beast::http::string_body>& res,
                        std::string& out) {
    out.clear();
    const unsigned version = res.version();
    out += "HTTP/";
    out += static_cast<char>('0' + version / 10);
    out += '.';
    out += static_cast<char>('0' + version % 10);
    out += ' ';
    char code[4];
    out.append(code, std::to_chars(code, code + sizeof code, res.result_int()).ptr);
    out += ' ';
    const auto reason = res.reason();
    out.append(reason.data(), reason.size());
    out += "\r\n";
    for (const auto& f : res) {
        const auto name = f.name_string();
        const auto value = f.value();
        out.append(name.data(), name.size());
        out += ": ";
        out.append(value.data(), value.size());
        out += "\r\n";
    }
    out += "\r\n";
    out += res.body();
}

}  // namespace solarhook::http
