// Who sent a request: the socket's peer, unless the peer is a trusted proxy, in
// which case the forwarding headers are read from the right and the client is
// the first address that is not a trusted proxy. Forwarded (RFC 7239) wins over
// X-Forwarded-For when both are present. Pure: header values in, address out.
#pragma once

#include <span>
#include <string_view>

#include "solarhook/security/cidr.hpp"

namespace solarhook::security {

// `forwarded` and `x_forwarded_for` are every value of that header, in order.
// An entry that is not an address (for=unknown, an obfuscated _name, garbage)
// ends the walk: the client is then the nearest trusted proxy, so a spoofed or
// broken header can only make the proxy itself the client, never another one.
ip_bytes resolve_client(const ip_bytes& peer, const cidr_list& trusted,
                        std::span<const std::string_view> forwarded,
                        std::span<const std::string_view> x_forwarded_for);

// One X-Forwarded-For element or Forwarded for= value: quotes, [v6] brackets
// and a port are stripped. nullopt when no address is left.
std::optional<ip_bytes> parse_forwarded_node(std::string_view node) noexcept;

}  // namespace solarhook::security
