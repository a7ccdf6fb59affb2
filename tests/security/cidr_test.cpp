#include "solarhook/security/cidr.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace solarhook::security {
namespace {

ip_bytes ip(const char* s) {
    auto a = parse_ip(s);
    EXPECT_TRUE(a) << s;
    return a.value_or(ip_bytes{});
}

TEST(cidr, v4_blocks_match_plain_and_mapped_addresses) {
    const auto b = parse_cidr("10.0.0.0/8");
    EXPECT_TRUE(b.contains(ip("10.1.2.3")));
    EXPECT_TRUE(b.contains(ip("::ffff:10.200.0.1")));
    EXPECT_FALSE(b.contains(ip("11.0.0.1")));
    EXPECT_FALSE(b.contains(ip("::a01:203")));  // the same bits, but not mapped IPv4
    EXPECT_TRUE(parse_cidr("192.0.2.7").contains(ip("192.0.2.7")));
    EXPECT_FALSE(parse_cidr("192.0.2.7").contains(ip("192.0.2.8")));
    EXPECT_TRUE(parse_cidr("0.0.0.0/0").contains(ip("203.0.113.9")));
    EXPECT_FALSE(parse_cidr("0.0.0.0/0").contains(ip("2001:db8::1")));
    EXPECT_TRUE(parse_cidr("172.16.0.0/12").contains(ip("172.31.255.255")));
    EXPECT_FALSE(parse_cidr("172.16.0.0/12").contains(ip("172.32.0.0")));
}

TEST(cidr, v6_blocks) {
    const auto b = parse_cidr("2001:db8::/32");
    EXPECT_TRUE(b.contains(ip("2001:db8:ffff::1")));
    EXPECT_FALSE(b.contains(ip("2001:db9::1")));
    EXPECT_TRUE(parse_cidr("::1").contains(ip("::1")));
    EXPECT_TRUE(parse_cidr("::/0").contains(ip("127.0.0.1")));
}

TEST(cidr, bad_blocks_are_refused_with_the_text) {
    for (const char* bad : {"", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "2001:db8::/129",
                            "localhost", "10.1.2.3/8", "fe80::1%eth0", "1.2.3.4/8 "}) {
        try {
            parse_cidr(bad);
            ADD_FAILURE() << "accepted \"" << bad << "\"";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
        }
    }
    try {
        parse_cidr("10.1.2.3/8");
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("10.0.0.0/8"), std::string::npos) << e.what();
    }
}

TEST(cidr, a_list_matches_any_of_its_blocks_and_prints_addresses_back) {
    const cidr_list l({"127.0.0.1/32", "::1/128"});
    EXPECT_TRUE(l.contains(ip("127.0.0.1")));
    EXPECT_TRUE(l.contains(ip("::1")));
    EXPECT_FALSE(l.contains(ip("127.0.0.2")));
    EXPECT_FALSE(cidr_list().contains(ip("127.0.0.1")));
    EXPECT_EQ(ip_to_string(ip("192.0.2.1")), "192.0.2.1");
    EXPECT_EQ(ip_to_string(ip("2001:db8::1")), "2001:db8::1");
}

}  // namespace
}  // namespace solarhook::security
