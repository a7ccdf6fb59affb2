// IP addresses and CIDR blocks for the proxy list and the allowlist. IPv4 is
// held as IPv4-mapped IPv6, so 10.0.0.0/8 matches a peer a dual-stack listener
// reports as ::ffff:10.1.2.3. Parsing is strict and throws std::invalid_argument
// naming the text; matching allocates nothing.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace solarhook::security {

using ip_bytes = std::array<std::uint8_t, 16>;

// "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"; nullopt for anything else.
std::optional<ip_bytes> parse_ip(std::string_view text) noexcept;
// Dotted quad for mapped IPv4, RFC 5952 text for the rest.
std::string ip_to_string(const ip_bytes& ip);

struct cidr {
    ip_bytes network{};
    unsigned prefix = 128;  // in IPv6 bits: an IPv4 /8 is /104
    bool contains(const ip_bytes& ip) const noexcept;
};

// "10.0.0.0/8", "2001:db8::/32", or a bare address (a single host).
cidr parse_cidr(std::string_view text);

class cidr_list {
  public:
    cidr_list() = default;
    explicit cidr_list(const std::vector<std::string>& texts);
    bool empty() const noexcept { return blocks_.empty(); }
    bool contains(const ip_bytes& ip) const noexcept;

  private:
    std::vector<cidr> blocks_;
};

}  // namespace solarhook::security
