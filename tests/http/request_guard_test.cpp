#include "solarhook/http/request_guard.hpp"

#include <gtest/gtest.h>

namespace solarhook::http {
namespace {

request_header header(unsigned version,
                      std::initializer_list<std::pair<const char*, const char*>> fields) {
    request_header h;
    h.method(boost::beast::http::verb::post);
    h.target("/webhooks/solarproof");
    h.version(version);
    for (const auto& [k, v] : fields) {
        h.insert(k, v);
    }
    return h;
}

TEST(request_guard, plain_requests_pass) {
    EXPECT_FALSE(check_framing(header(11, {{"Content-Length", "10"}})));
    EXPECT_FALSE(check_framing(header(11, {{"Transfer-Encoding", "chunked"}})));
    EXPECT_FALSE(check_framing(header(11, {{"Transfer-Encoding", "gzip, chunked"}})));
    EXPECT_FALSE(check_framing(header(10, {{"Content-Length", "0"}})));
    EXPECT_FALSE(check_framing(header(11, {})));
}

TEST(request_guard, smuggling_shapes_are_bad_framing) {
    const std::vector<request_header> bad{
        header(11, {{"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}}),
        header(11, {{"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}}),
        header(11, {{"Transfer-Encoding", "gzip"}}),
        header(11, {{"Transfer-Encoding", "chunked, gzip"}}),
        header(11, {{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "identity"}}),
        header(11, {{"Content-Length", "5"}, {"Content-Length", "5"}}),
        header(11, {{"Content-Length", "5, 5"}}),
        header(11, {{"Content-Length", "+5"}}),
        header(10, {{"Transfer-Encoding", "chunked"}}),
    };
    for (std::size_t i = 0; i < bad.size(); ++i) {
        const auto p = check_framing(bad[i]);
        ASSERT_TRUE(p) << "case " << i;
        EXPECT_EQ(p->code, errc::bad_framing);
    }
}

TEST(request_guard, json_media_types) {
    EXPECT_TRUE(is_json_media_type("application/json"));
    EXPECT_TRUE(is_json_media_type("Application/JSON; charset=utf-8"));
    EXPECT_TRUE(is_json_media_type("application/vnd.solarproof+json"));
    EXPECT_TRUE(is_json_media_type("Application/Vnd.SolarProof+JSON ; charset=utf-8"));
    EXPECT_TRUE(is_json_media_type("  application/json  "));
    EXPECT_FALSE(is_json_media_type(""));
    EXPECT_FALSE(is_json_media_type("application/x-www-form-urlencoded"));
    EXPECT_FALSE(is_json_media_type("text/plain"));
    EXPECT_FALSE(is_json_media_type("+json"));
    EXPECT_FALSE(is_json_media_type("application/jsonp"));
}

}  // namespace
}  // namespace solarhook::http
