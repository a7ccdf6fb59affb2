#include "solarhook/security/signature.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace solarhook::security {
namespace {

using namespace std::chrono_literals;
// The example in the Standard Webhooks specification.
const std::string k_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string k_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const std::string k_ts = "1614265330";
const std::string k_body = R"({"test": 2432232314})";
const std::string k_sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
const auto k_then = std::chrono::system_clock::time_point{1614265330s};

TEST(signature, the_specifications_example_verifies_and_signs_alike) {
    const signature_verifier v({k_secret}, 300s);
    EXPECT_EQ(v.verify(k_id, k_ts, k_sig, k_body, k_then), std::nullopt);
    EXPECT_EQ(signature_verifier::sign(decode_whsec(k_secret), k_id, k_ts, k_body), k_sig);
}

TEST(signature, any_one_of_several_signatures_and_of_several_secrets_will_do) {
    const signature_verifier v({"whsec_" + std::string(32, 'A'), k_secret}, 300s);
    EXPECT_EQ(v.verify(k_id, k_ts, "v1,bm90IGl0 v1a,xyz " + k_sig, k_body, k_then), std::nullopt);
}

TEST(signature, forged_stale_future_and_malformed_signatures_are_refused) {
    const signature_verifier v({k_secret}, 300s);
    EXPECT_TRUE(v.verify(k_id, k_ts, k_sig, k_body + " ", k_then));    // body changed
    EXPECT_TRUE(v.verify(k_id + "x", k_ts, k_sig, k_body, k_then));    // id changed
    EXPECT_TRUE(v.verify(k_id, k_ts, k_sig, k_body, k_then + 301s));   // stale
    EXPECT_TRUE(v.verify(k_id, k_ts, k_sig, k_body, k_then - 301s));   // from the future
    EXPECT_FALSE(v.verify(k_id, k_ts, k_sig, k_body, k_then + 300s));  // at the edge
    EXPECT_TRUE(v.verify(k_id, "16142653x0", k_sig, k_body, k_then));
    EXPECT_TRUE(v.verify(k_id, k_ts, "v2," + k_sig.substr(3), k_body, k_then));
    EXPECT_TRUE(v.verify(k_id, k_ts, "v1,!!!!", k_body, k_then));
    EXPECT_TRUE(v.verify(k_id, k_ts, "", k_body, k_then));
    EXPECT_TRUE(v.verify("", k_ts, k_sig, k_body, k_then));
    const signature_verifier other({"whsec_" + std::string(32, 'A')}, 300s);
    EXPECT_TRUE(other.verify(k_id, k_ts, k_sig, k_body, k_then));
    EXPECT_EQ(*v.verify(k_id, k_ts, k_sig, k_body, k_then + 1h),
              "webhook-timestamp is more than 300 s from now");
}

TEST(signature, secrets_must_be_whsec_base64_of_a_real_key) {
    EXPECT_THROW(decode_whsec("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), std::invalid_argument);
    EXPECT_THROW(decode_whsec("whsec_"), std::invalid_argument);
    EXPECT_THROW(decode_whsec("whsec_c2hvcnQ="), std::invalid_argument);  // "short"
    EXPECT_THROW(decode_whsec("whsec_not base64 at all!"), std::invalid_argument);
    EXPECT_EQ(decode_whsec(k_secret).size(), 24u);
}

}  // namespace
}  // namespace solarhook::security
