#include "solarhook/dedup/dedup_key.hpp"

#include <simdjson.h>

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "solarhook/decode/canonical_json.hpp"

namespace solarhook {

std::array<std::uint8_t, 32> sha256(std::string_view data) {
    return sha256({data});
}

std::array<std::uint8_t, 32> sha256(std::initializer_list<std::string_view> parts) {
    // OpenSSL 3 looks the algorithm up on every EVP_sha256() digest (EVP_MD_fetch);
    // fetched once, that lookup was a third of the key's cost (callgrind).
    // One context per thread, reused: EVP_Digest allocates and frees one per call.
    static EVP_MD* const md_sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(
        EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    std::array<std::uint8_t, 32> md{};
    unsigned int len = 0;
    bool ok = md_sha256 != nullptr && ctx && EVP_DigestInit_ex2(ctx.get(), md_sha256, nullptr) == 1;
    for (const auto part : parts) {
        ok = ok && EVP_DigestUpdate(ctx.get(), part.data(), part.size()) == 1;
    }
    if (!ok || EVP_DigestFinal_ex(ctx.get(), md.data(), &len) != 1 || len != md.size()) {
        throw std::runtime_error("EVP_Digest(SHA-256) failed");
    }
    return md;
}

std::string sha256_hex(std::string_view data) {
    return sha256_hex({data});
}

std::string sha256_hex(std::initializer_list<std::string_view> parts) {
    const auto md = sha256(parts);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out(md.size() * 2, '0');
    for (std::size_t i = 0; i < md.size(); ++i) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0xF];
    }
    return out;
}

std::optional<std::string> render_key_template(std::string_view tmpl,
                                               std::string_view object_json) {
    // Its own parser: the decoder's document may still be in use by the caller.
    thread_local simdjson::dom::parser parser;
    simdjson::dom::object obj;
    if (parser.parse(object_json.data(), object_json.size(), true).get(obj) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    std::string out;
    std::size_t pos = 0;
    while (pos < tmpl.size()) {
        const auto open = tmpl.find('{', pos);
        out.append(tmpl.substr(pos, open - pos));
        if (open == std::string_view::npos) {
            break;
        }
        const auto close = tmpl.find('}', open);
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        const auto field = tmpl.substr(open + 1, close - open - 1);
        simdjson::dom::element value;
        if (obj.at_key(field).get(value) != simdjson::SUCCESS || value.is_null()) {
            return std::nullopt;
        }
        if (value.is_string()) {
            out += value.get_string().value_unsafe();
        } else {
            append_canonical(out, value);
        }
        pos = close + 1;
    }
    return out;
}

bool usable_delivery_id(std::string_view id) noexcept {
    return !id.empty() && id.size() <= 200 &&
           std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

std::string event_key(const decoded_event& ev, const key_policy& policy,
                      std::optional<std::string_view> delivery_id, std::size_t index,
                      std::size_t count, std::vector<std::string>& warnings) {
    if (delivery_id && usable_delivery_id(*delivery_id)) {
        return count > 1 ? fmt::format("id:{}#{}", *delivery_id, index)
                         : fmt::format("id:{}", *delivery_id);
    }
    if (auto it = policy.templates.find(ev.type_label); it != policy.templates.end()) {
        if (auto rendered = render_key_template(it->second, ev.canonical);
            rendered && rendered->size() <= 512) {
            return fmt::format("{}:{}", ev.type_label, *rendered);
        }
        warnings.push_back(
            fmt::format("dedup key template \"{}\" could not be applied (a field "
                        "is missing or the key is over 512 bytes); used the "
                        "content hash",
                        it->second));
    }
    // Hashed in parts: joining them first cost two allocations and a copy of the event.
    return sha256_hex({ev.type_label, "\n", ev.canonical});
}

}  // namespace solarhook
