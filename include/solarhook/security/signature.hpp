// Standard Webhooks signatures (standardwebhooks.com): webhook-signature holds
// space-separated "v1,<base64 HMAC-SHA256 of id.timestamp.body>", any one of
// which may match any configured whsec_ secret; the timestamp must be within
// the tolerance either way. Pure: the clock's reading comes in as an argument.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace solarhook::security {

// A whsec_ secret's key bytes; throws std::invalid_argument naming the problem.
std::string decode_whsec(std::string_view secret);

class signature_verifier {
  public:
    signature_verifier() = default;
    // `secrets` as configured (whsec_...); throws std::invalid_argument.
    signature_verifier(const std::vector<std::string>& secrets, std::chrono::seconds tolerance);
    bool empty() const noexcept { return keys_.empty(); }

    // nullopt when verified, else why not (for the log; the client sees only 401).
    std::optional<std::string> verify(std::string_view id, std::string_view timestamp,
                                      std::string_view signatures, std::string_view body,
                                      std::chrono::system_clock::time_point now) const;

    // "v1,<base64>" for `key` (the decoded secret): what a sender puts in the header.
    static std::string sign(std::string_view key, std::string_view id, std::string_view timestamp,
                            std::string_view body);

  private:
    std::vector<std::string> keys_;
    std::chrono::seconds tolerance_{300};
};

}  // namespace solarhook::security
