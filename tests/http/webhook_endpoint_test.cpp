#include "solarhook/http/webhook_endpoint.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace solarhook::http {
namespace {

// What the hand-written answer must equal: the same answer built as a json value.
std::string reference_body(const std::vector<ingested_event>& events) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& e : events) {
        arr.push_back({{"type", e.type}, {"key", e.key}, {"result", result_name(e.result)}});
    }
    return nlohmann::json{{"status", "accepted"}, {"events", arr}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(accepted_body, equals_the_json_value_it_replaces) {
    const std::vector<std::vector<ingested_event>> cases{
        {{"customer_created", std::string(64, 'a'), ingest_result::accepted}},
        {{"project_email_sent", "project_email_sent:5_email_sent", ingest_result::accepted},
         {"project_email_sent", "project_email_sent:5_email_sent", ingest_result::duplicate}},
        // A template key carries payload text: quotes, controls, bad UTF-8.
        {{"recent_draft_project", "recent_draft_project:\"x\"\n\\\x01\xff",
          ingest_result::accepted}},
    };
    for (const auto& c : cases) {
        const auto body = accepted_body(c);
        EXPECT_EQ(body, reference_body(c));
        EXPECT_TRUE(nlohmann::json::accept(body));
    }
}

}  // namespace
}  // namespace solarhook::http
