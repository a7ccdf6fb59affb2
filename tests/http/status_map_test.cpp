#include "solarhook/http/status_map.hpp"

#include <gtest/gtest.h>

#include "solarhook/http/webhook_endpoint.hpp"

namespace solarhook::http {
namespace {

using boost::beast::http::status;

TEST(status_map, the_table) {
    EXPECT_EQ(to_status(errc::malformed_json), status::bad_request);
    EXPECT_EQ(to_status(errc::empty_body), status::bad_request);
    EXPECT_EQ(to_status(errc::not_an_object), status::bad_request);
    EXPECT_EQ(to_status(errc::too_deep), status::bad_request);
    EXPECT_EQ(to_status(errc::bad_framing), status::bad_request);
    EXPECT_EQ(to_status(errc::not_found), status::not_found);
    EXPECT_EQ(to_status(errc::method_not_allowed), status::method_not_allowed);
    EXPECT_EQ(to_status(errc::body_too_large), status::payload_too_large);
    EXPECT_EQ(to_status(errc::too_many_events), status::payload_too_large);
    EXPECT_EQ(to_status(errc::header_too_large), status::request_header_fields_too_large);
    EXPECT_EQ(to_status(errc::unsupported_media_type), status::unsupported_media_type);
    EXPECT_EQ(to_status(errc::invalid_event), status::unprocessable_entity);
    EXPECT_EQ(to_status(errc::type_mismatch), status::unprocessable_entity);
    EXPECT_EQ(to_status(errc::unknown_event), status::unprocessable_entity);
    EXPECT_EQ(to_status(errc::overloaded), status::service_unavailable);
    EXPECT_EQ(to_status(errc::draining), status::service_unavailable);
    EXPECT_EQ(to_status(errc::unauthorized), status::unauthorized);
    EXPECT_EQ(to_status(errc::forbidden), status::forbidden);
    EXPECT_EQ(to_status(errc::rate_limited), status::too_many_requests);
}

TEST(status_map, error_body_shape) {
    const auto j = nlohmann::json::parse(
        error_body(problem{errc::invalid_event, "bad \xff id", {{{"field", "x"}}}}));
    EXPECT_EQ(j["error"], "invalid_event");
    EXPECT_EQ(j["details"][0]["field"], "x");
    EXPECT_TRUE(j["message"].is_string());
    EXPECT_TRUE(
        nlohmann::json::parse(error_body(problem{errc::too_deep, "x"}))["details"].is_array());
}

TEST(routes, resolve) {
    const std::string base = "/webhooks/solarproof";
    EXPECT_EQ(std::get<route>(resolve_route(base, base)).kind, route_kind::webhook);
    EXPECT_FALSE(std::get<route>(resolve_route(base + "?x=1", base)).url_type);
    EXPECT_EQ(std::get<route>(resolve_route(base + "/customer_created", base)).url_type,
              "customer_created");
    EXPECT_EQ(std::get<route>(resolve_route("/healthz", base)).kind, route_kind::healthz);
    EXPECT_EQ(std::get<route>(resolve_route("/readyz?full", base)).kind, route_kind::readyz);
    for (const std::string& t : std::vector<std::string>{
             "/", "/webhooks", base + "x", base + "/a/b", base + "/Bad", "/healthz/x"}) {
        EXPECT_EQ(std::get<problem>(resolve_route(t, base)).code, errc::not_found) << t;
    }
}

}  // namespace
}  // namespace solarhook::http
