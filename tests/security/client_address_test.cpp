#include "solarhook/security/client_address.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace solarhook::security {
namespace {

ip_bytes ip(const char* s) {
    return parse_ip(s).value();
}

std::string client(const char* peer, const std::vector<std::string_view>& fwd,
                   const std::vector<std::string_view>& xff,
                   const std::vector<std::string>& trusted = {"127.0.0.1", "10.0.0.0/8"}) {
    return ip_to_string(resolve_client(ip(peer), cidr_list(trusted), fwd, xff));
}

TEST(client_address, an_untrusted_peer_is_the_client_whatever_it_claims) {
    EXPECT_EQ(client("203.0.113.5", {}, {"1.1.1.1"}), "203.0.113.5");
    EXPECT_EQ(client("203.0.113.5", {"for=1.1.1.1"}, {}), "203.0.113.5");
    EXPECT_EQ(client("127.0.0.1", {}, {"1.1.1.1"}, {}), "127.0.0.1");  // no proxy trusted
}

TEST(client_address, x_forwarded_for_is_read_from_the_right_past_trusted_proxies) {
    EXPECT_EQ(client("127.0.0.1", {}, {"198.51.100.7"}), "198.51.100.7");
    // A spoofed leftmost entry is ignored: the proxy appended the real one.
    EXPECT_EQ(client("127.0.0.1", {}, {"6.6.6.6, 198.51.100.7"}), "198.51.100.7");
    EXPECT_EQ(client("127.0.0.1", {}, {"6.6.6.6, 198.51.100.7, 10.0.0.2"}), "198.51.100.7");
    EXPECT_EQ(client("127.0.0.1", {}, {"6.6.6.6", "198.51.100.7"}), "198.51.100.7");
    EXPECT_EQ(client("127.0.0.1", {}, {}), "127.0.0.1");
    EXPECT_EQ(client("127.0.0.1", {}, {"10.0.0.3, 10.0.0.2"}), "10.0.0.3");  // all trusted
    EXPECT_EQ(client("127.0.0.1", {}, {"198.51.100.7:5555"}), "198.51.100.7");
}

TEST(client_address, garbage_stops_the_walk_at_the_nearest_proxy) {
    EXPECT_EQ(client("127.0.0.1", {}, {"198.51.100.7, nonsense"}), "127.0.0.1");
    EXPECT_EQ(client("127.0.0.1", {}, {"unknown, 10.0.0.9"}), "10.0.0.9");
    EXPECT_EQ(client("127.0.0.1", {"for=unknown"}, {}), "127.0.0.1");
}

TEST(client_address, forwarded_wins_and_its_forms_are_understood) {
    EXPECT_EQ(client("127.0.0.1", {"for=192.0.2.60;proto=http;by=203.0.113.43"}, {"6.6.6.6"}),
              "192.0.2.60");
    EXPECT_EQ(client("127.0.0.1", {R"(for="[2001:db8:cafe::17]:4711")"}, {}), "2001:db8:cafe::17");
    EXPECT_EQ(client("127.0.0.1", {"for=6.6.6.6, For=192.0.2.43"}, {}), "192.0.2.43");
    EXPECT_EQ(client("127.0.0.1", {R"(for="_hidden")"}, {}), "127.0.0.1");
}

}  // namespace
}  // namespace solarhook::security
