#include "solarhook/security/signature.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <charconv>
#include <stdexcept>

namespace solarhook::security {
namespace {

std::optional<std::string> base64_decode(std::string_view in) {
    if (in.empty() || in.size() % 4 != 0 || in.size() > 4096) {
        return std::nullopt;
    }
    std::string out(in.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(in.data()),
                                  static_cast<int>(in.size()));
    if (n < 0) {
        return std::nullopt;
    }
    // EVP_DecodeBlock counts padding as zero bytes.
    std::size_t len = static_cast<std::size_t>(n);
    for (auto it = in.rbegin(); it != in.rend() && *it == '='; ++it) {
        --len;
    }
    out.resize(len);
    return out;
}

std::string base64_encode(const unsigned char* data, std::size_t size) {
    std::string out(4 * ((size + 2) / 3), '\0');
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
    return out;
}

std::array<unsigned char, 32> hmac(std::string_view key, std::string_view id,
                                   std::string_view timestamp, std::string_view body) {
    // One buffer and the one-shot HMAC(): OpenSSL 3 deprecates HMAC_CTX, and the
    // body is at most limits.max_body_bytes.
    std::string content;
    content.reserve(id.size() + timestamp.size() + body.size() + 2);
    content.append(id).append(".").append(timestamp).append(".").append(body);
    std::array<unsigned char, 32> mac{};
    unsigned len = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac.data(),
             &len) == nullptr ||
        len != mac.size()) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    return mac;
}

}  // namespace

std::string decode_whsec(std::string_view secret) {
    if (!secret.starts_with("whsec_")) {
        throw std::invalid_argument("a Standard Webhooks secret starts with whsec_");
    }
    auto key = base64_decode(secret.substr(6));
    if (!key || key->size() < 24 || key->size() > 64) {
        throw std::invalid_argument(
            "after whsec_ comes the base64 of a 24- to 64-byte key (the standard's own are 32)");
    }
    return *key;
}

signature_verifier::signature_verifier(const std::vector<std::string>& secrets,
                                       std::chrono::seconds tolerance)
    : tolerance_(tolerance) {
    keys_.reserve(secrets.size());
    for (const auto& s : secrets) {
        keys_.push_back(decode_whsec(s));
    }
}

std::optional<std::string> signature_verifier::verify(
    std::string_view id, std::string_view timestamp, std::string_view signatures,
    std::string_view body, std::chrono::system_clock::time_point now) const {
    if (id.empty() || timestamp.empty() || signatures.empty()) {
        return "webhook-id, webhook-timestamp and webhook-signature are all required";
    }
    std::int64_t ts = 0;
    const auto [end, ec] =
        std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), ts);
    if (ec != std::errc{} || end != timestamp.data() + timestamp.size()) {
        return "webhook-timestamp is not whole Unix seconds";
    }
    const auto now_s =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (ts < now_s - tolerance_.count() || ts > now_s + tolerance_.count()) {
        return fmt::format("webhook-timestamp is more than {} s from now", tolerance_.count());
    }
    std::vector<std::array<unsigned char, 32>> macs;
    macs.reserve(keys_.size());
    for (const auto& k : keys_) {
        macs.push_back(hmac(k, id, timestamp, body));
    }
    int matched = 0;
    std::size_t seen = 0;
    std::size_t pos = 0;
    while (pos < signatures.size() && seen < 16) {
        auto space = signatures.find(' ', pos);
        if (space == std::string_view::npos) {
            space = signatures.size();
        }
        const auto sig = signatures.substr(pos, space - pos);
        pos = space + 1;
        if (!sig.starts_with("v1,")) {
            continue;  // another scheme (v1a: asymmetric) is not ours to check
        }
        ++seen;
        const auto bytes = base64_decode(sig.substr(3));
        if (!bytes || bytes->size() != 32) {
            continue;
        }
        for (const auto& mac : macs) {
            matched |= CRYPTO_memcmp(bytes->data(), mac.data(), mac.size()) == 0 ? 1 : 0;
        }
    }
    if (matched != 0) {
        return std::nullopt;
    }
    return seen == 0 ? "webhook-signature holds no v1 signature" : "no signature matches";
}

std::string signature_verifier::sign(std::string_view key, std::string_view id,
                                     std::string_view timestamp, std::string_view body) {
    const auto mac = hmac(key, id, timestamp, body);
    return "v1," + base64_encode(mac.data(), mac.size());
}

}  // namespace solarhook::security
