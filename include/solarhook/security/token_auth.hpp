// The URL token: the one secret the provider's hookUrl can carry. Tokens are
// kept only as SHA-256 digests and a presented token is compared against every
// one of them with CRYPTO_memcmp, so neither a value nor its length shows in
// the time an answer takes. Also finds a token in a target or an Authorization
// header, and masks it in a target before the target is logged.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace solarhook::security {

inline constexpr std::size_t k_min_token_chars = 24;

class token_set {
  public:
    token_set() = default;
    explicit token_set(const std::vector<std::string>& tokens);
    bool empty() const noexcept { return digests_.empty(); }
    bool accepts(std::string_view presented) const noexcept;

  private:
    std::vector<std::array<unsigned char, 32>> digests_;
};

// The value of query parameter `name` in `target`, percent-decoded; nullopt when
// absent. Only the first occurrence counts.
std::optional<std::string> query_param(std::string_view target, std::string_view name);

// "Bearer <token>" (scheme case-insensitive); nullopt for anything else.
std::optional<std::string_view> bearer_token(std::string_view authorization) noexcept;

// `target` as a log may show it, or nullopt when nothing in it needs masking:
// the value of every query parameter whose name ends in "token" (any case) and
// every occurrence of one of `tokens` anywhere (a token sent in the wrong place
// is still the secret) become ***.
std::optional<std::string> masked_target(std::string_view target,
                                         const std::vector<std::string>& tokens);

}  // namespace solarhook::security
