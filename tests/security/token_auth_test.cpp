#include "solarhook/security/token_auth.hpp"

#include <gtest/gtest.h>

namespace solarhook::security {
namespace {

const std::string k_a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const std::string k_b = "b-token-with-enough-length-1234";

TEST(token_auth, accepts_each_live_token_and_nothing_near_it) {
    const token_set s({k_a, k_b});
    EXPECT_TRUE(s.accepts(k_a));
    EXPECT_TRUE(s.accepts(k_b));
    EXPECT_FALSE(s.accepts(""));
    EXPECT_FALSE(s.accepts(k_a.substr(1)));            // short
    EXPECT_FALSE(s.accepts(k_a + "a"));                // long
    EXPECT_FALSE(s.accepts(k_a.substr(0, 31) + "b"));  // one character off
    EXPECT_FALSE(s.accepts(std::string(k_a.size(), 'A')));
    EXPECT_FALSE(token_set().accepts(k_a));
}

TEST(token_auth, finds_the_token_in_the_query_percent_decoded) {
    EXPECT_EQ(query_param("/w?token=abc", "token"), "abc");
    EXPECT_EQ(query_param("/w?x=1&token=a%2Fb%3d&y=2", "token"), "a/b=");
    EXPECT_EQ(query_param("/w?mytoken=abc", "token"), std::nullopt);
    EXPECT_EQ(query_param("/w?token", "token"), std::nullopt);
    EXPECT_EQ(query_param("/w", "token"), std::nullopt);
    EXPECT_EQ(query_param("/w?token=", "token"), "");
    EXPECT_EQ(query_param("/w?token=%zz%4", "token"), "%zz%4");
}

TEST(token_auth, finds_a_bearer_token) {
    EXPECT_EQ(bearer_token("Bearer abc"), "abc");
    EXPECT_EQ(bearer_token("bearer   abc  "), "abc");
    EXPECT_EQ(bearer_token("Basic abc"), std::nullopt);
    EXPECT_EQ(bearer_token("Bearer "), std::nullopt);
    EXPECT_EQ(bearer_token(""), std::nullopt);
}

TEST(token_auth, masks_tokens_wherever_they_were_sent_and_nothing_else) {
    const std::vector<std::string> live{k_a};
    EXPECT_EQ(masked_target("/w/customer_created?token=s3cret", live),
              "/w/customer_created?token=***");
    EXPECT_EQ(masked_target("/w?a=1&token=s3cret&b=2&Token=again&api_token=x", live),
              "/w?a=1&token=***&b=2&Token=***&api_token=***");
    EXPECT_EQ(masked_target("/w/" + k_a + "?x=" + k_a, live), "/w/***?x=***");
    EXPECT_EQ(masked_target("/w?tokens=x", live), std::nullopt);
    EXPECT_EQ(masked_target("/w?a=b", live), std::nullopt);
    EXPECT_EQ(masked_target("/w", {}), std::nullopt);
}

}  // namespace
}  // namespace solarhook::security
