#include "solarhook/http/wire.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/write.hpp>
#include <sstream>

namespace solarhook::http {
namespace {

namespace bhttp = boost::beast::http;
using response = bhttp::response<bhttp::string_body>;

std::string beast_bytes(const response& res) {
    std::ostringstream os;
    os << res;
    return os.str();
}

response make(bhttp::status s, unsigned version, bool keep_alive, std::string body) {
    response res{s, version};
    res.set(bhttp::field::server, "solarhook");
    res.set(bhttp::field::content_type, "application/json");
    res.keep_alive(keep_alive);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

TEST(wire, the_same_bytes_as_beasts_serializer) {
    std::vector<response> cases;
    cases.push_back(make(bhttp::status::ok, 11, true, R"({"status":"accepted"})"));
    cases.push_back(make(bhttp::status::ok, 11, false, R"({"status":"ok"})"));
    cases.push_back(make(bhttp::status::ok, 10, true, "{}"));
    cases.push_back(make(bhttp::status::ok, 10, false, ""));
    auto busy = make(bhttp::status::service_unavailable, 11, true, R"({"error":"overloaded"})");
    busy.set(bhttp::field::retry_after, "5");
    busy.set("X-Request-Id", "abc-123");
    cases.push_back(busy);
    auto allow = make(bhttp::status::method_not_allowed, 11, false, "{}");
    allow.set(bhttp::field::allow, "POST");
    cases.push_back(allow);
    cases.push_back(make(bhttp::status::request_header_fields_too_large, 11, false, "x"));
    cases.push_back(make(static_cast<bhttp::status>(299), 11, true, "odd code, no reason"));
    auto reason = make(bhttp::status::ok, 11, true, "{}");
    reason.reason("Fine Thanks");
    cases.push_back(reason);

    std::string out = "left over from the last answer";
    for (const auto& res : cases) {
        serialize_response(res, out);
        EXPECT_EQ(out, beast_bytes(res));
    }
}

}  // namespace
}  // namespace solarhook::http
