#include "solarhook/security/client_address.hpp"

#include <boost/beast/core/string.hpp>

#include <vector>

#include "solarhook/core/text.hpp"

namespace solarhook::security {
namespace {

// Calls f(element) for each comma-separated element of each value, left to right.
template <class F>
void for_each_element(std::span<const std::string_view> values, F&& f) {
    for (auto v : values) {
        std::size_t pos = 0;
        while (pos <= v.size()) {
            auto comma = v.find(',', pos);
            if (comma == std::string_view::npos) {
                comma = v.size();
            }
            f(trim_ows(v.substr(pos, comma - pos)));
            pos = comma + 1;
        }
    }
}

// The for= parameter of one Forwarded element ("for=1.2.3.4;proto=https").
std::string_view forwarded_for(std::string_view element) {
    std::size_t pos = 0;
    while (pos < element.size()) {
        auto semi = element.find(';', pos);
        if (semi == std::string_view::npos) {
            semi = element.size();
        }
        const auto pair = trim_ows(element.substr(pos, semi - pos));
        if (pair.size() > 4 && boost::beast::iequals(pair.substr(0, 4), "for=")) {
            return pair.substr(4);
        }
        pos = semi + 1;
    }
    return {};
}

}  // namespace

std::optional<ip_bytes> parse_forwarded_node(std::string_view node) noexcept {
    node = trim_ows(node);
    if (node.size() >= 2 && node.front() == '"' && node.back() == '"') {
        node = node.substr(1, node.size() - 2);
    }
    if (!node.empty() && node.front() == '[') {
        const auto close = node.find(']');
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        return parse_ip(node.substr(1, close - 1));
    }
    // One colon: IPv4 with a port. More: a bare IPv6 address.
    if (const auto colon = node.find(':');
        colon != std::string_view::npos && node.find(':', colon + 1) == std::string_view::npos) {
        node = node.substr(0, colon);
    }
    return parse_ip(node);
}

ip_bytes resolve_client(const ip_bytes& peer, const cidr_list& trusted,
                        std::span<const std::string_view> forwarded,
                        std::span<const std::string_view> x_forwarded_for) {
    if (trusted.empty() || !trusted.contains(peer)) {
        return peer;
    }
    std::vector<std::string_view> hops;
    if (!forwarded.empty()) {
        for_each_element(forwarded, [&](std::string_view e) {
            if (!e.empty()) {
                hops.push_back(forwarded_for(e));
            }
        });
    } else {
        for_each_element(x_forwarded_for, [&](std::string_view e) {
            if (!e.empty()) {
                hops.push_back(e);
            }
        });
    }
    ip_bytes client = peer;
    for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
        const auto hop = parse_forwarded_node(*it);
        if (!hop) {
            return client;
        }
        client = *hop;
        if (!trusted.contains(client)) {
            return client;
        }
    }
    return client;
}

}  // namespace solarhook::security
