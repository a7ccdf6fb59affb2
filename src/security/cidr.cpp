#include "solarhook/security/cidr.hpp"

#include <fmt/format.h>
#include <boost/asio/ip/address.hpp>

#include <charconv>
#include <stdexcept>

namespace solarhook::security {
namespace ip = boost::asio::ip;

std::optional<ip_bytes> parse_ip(std::string_view text) noexcept {
    if (text.empty() || text.size() > 45) {
        return std::nullopt;
    }
    boost::system::error_code ec;
    const auto a = ip::make_address(std::string(text), ec);
    if (ec) {
        return std::nullopt;
    }
    if (a.is_v4()) {
        return ip::make_address_v6(ip::v4_mapped, a.to_v4()).to_bytes();
    }
    if (a.to_v6().scope_id() != 0) {
        return std::nullopt;  // fe80::1%eth0: a zone names no client
    }
    return a.to_v6().to_bytes();
}

std::string ip_to_string(const ip_bytes& ip) {
    const ip::address_v6 a(ip);
    if (a.is_v4_mapped()) {
        return ip::make_address_v4(ip::v4_mapped, a).to_string();
    }
    return a.to_string();
}

bool cidr::contains(const ip_bytes& ip) const noexcept {
    unsigned bits = prefix;
    for (std::size_t i = 0; i < ip.size() && bits > 0; ++i) {
        const unsigned take = bits >= 8 ? 8 : bits;
        const auto mask = static_cast<std::uint8_t>(0xFF00u >> take);
        if ((ip[i] & mask) != (network[i] & mask)) {
            return false;
        }
        bits -= take;
    }
    return true;
}

cidr parse_cidr(std::string_view text) {
    const auto slash = text.find('/');
    const auto addr_text = text.substr(0, slash);
    const auto addr = parse_ip(addr_text);
    if (!addr) {
        throw std::invalid_argument(fmt::format("\"{}\" is not an IP address or CIDR block", text));
    }
    const bool v4 = addr_text.find(':') == std::string_view::npos;
    const unsigned max = v4 ? 32 : 128;
    unsigned prefix = max;
    if (slash != std::string_view::npos) {
        const auto p = text.substr(slash + 1);
        const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
        if (p.empty() || ec != std::errc{} || end != p.data() + p.size() || prefix > max) {
            throw std::invalid_argument(
                fmt::format("\"{}\": the prefix length must be 0..{}", text, max));
        }
    }
    cidr c{*addr, v4 ? prefix + 96 : prefix};
    // Host bits set (10.1.2.3/8) are almost always a typo for another block.
    for (std::size_t i = 0; i < c.network.size(); ++i) {
        const unsigned before = static_cast<unsigned>(i) * 8;
        if (before >= c.prefix) {
            c.network[i] = 0;
        } else if (c.prefix - before < 8) {
            c.network[i] &= static_cast<std::uint8_t>(0xFF00u >> (c.prefix - before));
        }
    }
    if (c.network != *addr) {
        throw std::invalid_argument(fmt::format("\"{}\" has host bits set; did you mean {}/{}?",
                                                text, ip_to_string(c.network), prefix));
    }
    return c;
}

cidr_list::cidr_list(const std::vector<std::string>& texts) {
    blocks_.reserve(texts.size());
    for (const auto& t : texts) {
        blocks_.push_back(parse_cidr(t));
    }
}

bool cidr_list::contains(const ip_bytes& ip) const noexcept {
    for (const auto& b : blocks_) {
        if (b.contains(ip)) {
            return true;
        }
    }
    return false;
}

}  // namespace solarhook::security
