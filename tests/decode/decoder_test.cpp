#include "solarhook/decode/decoder.hpp"

#include <gtest/gtest.h>

#include "support/test_service.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;

std::vector<decoded_event> ok(std::string_view body,
                              std::optional<std::string_view> url_type = std::nullopt) {
    auto r = decode_body(body, url_type, decode_limits{});
    if (auto* p = std::get_if<problem>(&r)) {
        ADD_FAILURE() << "unexpected problem: " << p->message;
        return {};
    }
    return std::get<std::vector<decoded_event>>(r);
}

decoded_event one(const json& obj, std::optional<std::string_view> url_type = std::nullopt) {
    auto v = ok(obj.dump(), url_type);
    EXPECT_EQ(v.size(), 1u);
    return v.empty() ? decoded_event{} : v.front();
}

problem bad(std::string_view body, std::optional<std::string_view> url_type = std::nullopt) {
    auto r = decode_body(body, url_type, decode_limits{});
    if (!std::holds_alternative<problem>(r)) {
        ADD_FAILURE() << "expected a problem for " << body;
        return problem{errc::empty_body, ""};
    }
    return std::get<problem>(r);
}

problem bad_obj(const json& obj, std::optional<std::string_view> url_type = std::nullopt) {
    return bad(std::string_view(obj.dump()), url_type);
}

TEST(decoder, every_v1_reference_sample_decodes_to_its_type) {
    const std::vector<std::pair<std::string, event_type>> samples{
        {"customer_created.json", event_type::customer_created},
        {"customer_status_change.json", event_type::customer_status_change},
        {"project_email_sent.json", event_type::project_email_sent},
        {"project_sms_sent.json", event_type::project_sms_sent},
        {"published_proposal_link.json", event_type::published_proposal_link},
        {"recent_draft_project.json", event_type::recent_draft_project},
    };
    for (const auto& [file, type] : samples) {
        const auto evs = ok(test::read_sample(file));
        ASSERT_EQ(evs.size(), 1u) << file;
        EXPECT_EQ(evs[0].type, type) << file;
        EXPECT_EQ(evs[0].type_label, type_name(type));
        EXPECT_TRUE(evs[0].warnings.empty()) << file << ": " << evs[0].warnings.front();
        // ...and the same body under its own URL type decodes identically.
        EXPECT_EQ(ok(test::read_sample(file), type_name(type))[0].type, type);
    }
}

TEST(decoder, v1_fields_are_typed) {
    const auto c = std::get<customer_created>(
        one(json::parse(test::read_sample("customer_created.json"))).data);
    EXPECT_EQ(c.generation, 1);
    EXPECT_EQ(c.customer_id, 12345);
    EXPECT_EQ(c.user_id, 67890);
    EXPECT_EQ(c.type, customer_type::residential);
    EXPECT_EQ(c.status, customer_status::new_contacts);
    EXPECT_EQ(c.customer_email, "john.doe@example.com");

    const auto s = std::get<customer_status_change>(
        one(json::parse(test::read_sample("customer_status_change.json"))).data);
    EXPECT_EQ(s.old_status, customer_status::new_contacts);
    EXPECT_EQ(s.new_status, customer_status::signed_up);

    const auto a = std::get<project_sms_sent>(
        one(json::parse(test::read_sample("project_sms_sent.json"))).data);
    EXPECT_EQ(a.project_id, 54321);
    EXPECT_EQ(a.customer_id, 12345);
    EXPECT_EQ(a.activity_type, "sms_sent");

    const auto d = std::get<recent_draft_project>(
        one(json::parse(test::read_sample("recent_draft_project.json"))).data);
    EXPECT_EQ(d.project_id, 54321);
    EXPECT_EQ(d.quote_nickname, "Smith Residence Solar");
}

TEST(decoder, v2_customer_created_decodes_by_customer_id) {
    const auto ev = one(json::parse(test::read_sample("v2/customer_created.json")));
    ASSERT_EQ(ev.type, event_type::customer_created);
    const auto& c = std::get<customer_created>(ev.data);
    EXPECT_EQ(c.generation, 2);
    EXPECT_EQ(c.customer_id, 141472);
    EXPECT_EQ(c.user_id, 16);
    EXPECT_EQ(c.type_id, 1);
    EXPECT_EQ(c.status, customer_status::new_contacts);
    EXPECT_EQ(c.first_name, "Hussain");
    EXPECT_EQ(c.created_at, "2025-10-16T12:00:00Z");
    // Untyped fields travel as extras.
    const auto extra = json::parse(ev.extra);
    EXPECT_EQ(extra["company_name_full"], "Solar Proof");
    EXPECT_FALSE(extra.contains("customer_id"));
}

TEST(decoder, array_form_decodes_each_element) {
    const auto evs = ok(test::read_sample("v2/project_email_sent.json"));
    ASSERT_EQ(evs.size(), 1u);
    EXPECT_EQ(evs[0].type, event_type::project_email_sent);

    const json mixed = json::array({json::parse(test::read_sample("project_sms_sent.json")),
                                    json::parse(test::read_sample("recent_draft_project.json"))});
    const auto two = ok(mixed.dump());
    ASSERT_EQ(two.size(), 2u);
    EXPECT_EQ(two[0].type, event_type::project_sms_sent);
    EXPECT_EQ(two[1].type, event_type::recent_draft_project);
}

TEST(decoder, array_problems_name_the_element) {
    auto p = bad(R"([{"pkcustomerquotationid":1},{"pkcustomerquotationid":"x"}])");
    EXPECT_EQ(p.code, errc::invalid_event);
    EXPECT_EQ(p.details[0]["index"], 1);
    EXPECT_EQ(p.details[0]["field"], "pkcustomerquotationid");

    p = bad(R"([{"pkcustomerquotationid":1}, 7])");
    EXPECT_EQ(p.code, errc::not_an_object);
    EXPECT_EQ(p.details[0]["index"], 1);

    EXPECT_EQ(bad("[]").code, errc::empty_body);
    json many = json::array();
    for (int i = 0; i < 101; ++i) {
        many.push_back({{"pkcustomerquotationid", i}});
    }
    EXPECT_EQ(bad(std::string_view(many.dump())).code, errc::too_many_events);
}

TEST(decoder, body_must_be_object_or_array_of_objects) {
    EXPECT_EQ(bad("42").code, errc::not_an_object);
    EXPECT_EQ(bad(R"("customer")").code, errc::not_an_object);
    EXPECT_EQ(bad("null").code, errc::not_an_object);
    EXPECT_EQ(bad("").code, errc::empty_body);
    EXPECT_EQ(bad("{").code, errc::malformed_json);
}

TEST(decoder, ids_may_be_digit_only_strings) {
    const auto ev = one({{"belongs_to_customer", "12345"},
                         {"belongs_to_user", "67890"},
                         {"activity_type", "email_sent"},
                         {"belongs_to_project", "54321"}});
    const auto& a = std::get<project_email_sent>(ev.data);
    EXPECT_EQ(a.customer_id, 12345);
    EXPECT_EQ(a.user_id, 67890);
    EXPECT_EQ(a.project_id, 54321);
}

TEST(decoder, missing_or_broken_identifier_is_invalid_event_naming_the_field) {
    struct row {
        json body;
        std::string field;
        std::string problem_fragment;
    };
    const std::vector<row> rows{
        {{{"activity_type", "email_sent"}, {"belongs_to_customer", 1}},
         "belongs_to_project",
         "missing"},
        {{{"activity_type", "sms_sent"}, {"belongs_to_customer", 1}, {"belongs_to_project", "12a"}},
         "belongs_to_project",
         "digit-only"},
        {{{"activity_type", "sms_sent"}, {"belongs_to_customer", 1.5}, {"belongs_to_project", 1}},
         "belongs_to_customer",
         "fractional"},
        {{{"activity_type", "sms_sent"}, {"belongs_to_customer", -4}, {"belongs_to_project", 1}},
         "belongs_to_customer",
         "negative"},
        {{{"activity_type", "sms_sent"}, {"belongs_to_customer", true}, {"belongs_to_project", 1}},
         "belongs_to_customer",
         "boolean"},
        {{{"activity_type", "sms_sent"},
          {"belongs_to_customer", 1},
          {"belongs_to_project", 1},
          {"belongs_to_user", {1}}},
         "belongs_to_user",
         "array"},
        {{{"pkcustomerquotationid", "99999999999999999999"}}, "pkcustomerquotationid", "64-bit"},
        {{{"pkcustomerid", 1}, {"old_status", 1}}, "new_status", "missing"},
        {{{"pkcustomerid", 1}, {"new_status", "signed"}}, "new_status", "digit-only"},
        {{{"customer_id", nullptr}, {"customer_status_id", 1}}, "pkcustomerid", "missing"},
    };
    for (const auto& r : rows) {
        const auto p = bad_obj(r.body);
        EXPECT_EQ(p.code, errc::invalid_event) << r.body;
        ASSERT_FALSE(p.details.empty()) << r.body;
        EXPECT_EQ(p.details[0]["field"], r.field) << r.body;
        EXPECT_NE(p.details[0]["problem"].get<std::string>().find(r.problem_fragment),
                  std::string::npos)
            << r.body << " -> " << p.details[0];
        EXPECT_NE(p.message.find(r.field), std::string::npos) << p.message;
    }
}

TEST(decoder, numbers_beyond_64_bits_are_refused_not_wrapped) {
    // As a JSON number: nlohmann keeps it as a double; we must not truncate it.
    auto p = bad(R"({"pkcustomerquotationid": 18446744073709551616})");
    EXPECT_EQ(p.code, errc::invalid_event);
    EXPECT_NE(p.details[0]["problem"].get<std::string>().find("64-bit"), std::string::npos);
    // Fits uint64 but not int64.
    p = bad(R"({"pkcustomerquotationid": 9223372036854775808})");
    EXPECT_NE(p.details[0]["problem"].get<std::string>().find("64-bit"), std::string::npos);
    // Largest int64 is fine.
    const auto ev = one(json::parse(R"({"pkcustomerquotationid": 9223372036854775807})"));
    EXPECT_EQ(std::get<recent_draft_project>(ev.data).project_id, 9223372036854775807LL);
    // A number no double holds, anywhere in the body, is malformed JSON: never inf.
    for (const auto* body : {R"({"pkcustomerquotationid": 1e400})",
                             R"({"pkcustomerquotationid": 1, "note": -1e400})"}) {
        const auto r = decode_body(body, std::nullopt, decode_limits{});
        ASSERT_TRUE(std::holds_alternative<problem>(r)) << body;
        EXPECT_EQ(std::get<problem>(r).code, errc::malformed_json);
        EXPECT_NE(std::get<problem>(r).message.find("1e400"), std::string::npos);
    }
}

TEST(decoder, undocumented_enum_values_are_kept_with_a_warning) {
    const auto ev = one({{"pkcustomerid", 1}, {"customer_status", 7}, {"customer_type", "AGRI"}});
    const auto& c = std::get<customer_created>(ev.data);
    EXPECT_EQ(static_cast<std::int64_t>(*c.status), 7);
    EXPECT_EQ(c.type, customer_type::other);
    EXPECT_EQ(c.type_raw, "AGRI");
    ASSERT_EQ(ev.warnings.size(), 2u);
    EXPECT_NE(ev.warnings[0].find("customer_status = 7"), std::string::npos);
    EXPECT_EQ(json::parse(typed_json(ev.data))["customer_type"], "AGRI");
}

TEST(decoder, customer_type_matching_is_forgiving_about_case_and_underscore) {
    const auto ev =
        one({{"pkcustomerid", 1}, {"customer_status", 1}, {"customer_type", "large_scale"}});
    EXPECT_EQ(std::get<customer_created>(ev.data).type, customer_type::large_scale);
    EXPECT_TRUE(ev.warnings.empty());
}

TEST(decoder, status_name_disagreeing_with_new_status_is_a_warning) {
    const auto ev = one({{"pkcustomerid", 1},
                         {"old_status", 1},
                         {"new_status", 2},
                         {"status_name", "Mega Status"}});
    ASSERT_EQ(ev.warnings.size(), 1u);
    EXPECT_NE(ev.warnings[0].find("disagrees"), std::string::npos);
}

TEST(decoder, non_string_text_fields_are_warnings_not_rejections) {
    const auto ev = one({{"pkcustomerquotationid", 5}, {"quotenickname", 12}});
    EXPECT_FALSE(std::get<recent_draft_project>(ev.data).quote_nickname.has_value());
    ASSERT_EQ(ev.warnings.size(), 1u);
    EXPECT_NE(ev.warnings[0].find("quotenickname"), std::string::npos);
}

TEST(decoder, extra_fields_are_kept_in_extra_and_canonical) {
    const auto ev = one({{"pkcustomerquotationid", 5}, {"new_field", {{"x", 1}}}});
    EXPECT_EQ(ev.extra, R"({"new_field":{"x":1}})");
    EXPECT_EQ(ev.canonical, R"({"new_field":{"x":1},"pkcustomerquotationid":5})");
    EXPECT_EQ(one({{"pkcustomerquotationid", 5}}).extra, "{}");
}

TEST(decoder, canonical_text_is_nlohmanns_sorted_dump) {
    // Keys stored before the parser changed must still match: the canonical text is
    // byte for byte what nlohmann's dump() of the same object gives.
    const std::string body = R"({ "z": [1, -2, 1.5, 1e20, 0.1, true, null, {"b": "x", "a": []}],
        "pkcustomerquotationid": 18446744073709551615,
        "q": "tab\t \u0001 \u00e9 \ud83d\ude00 \"/", "\u00e9": 1, "E": 2, "e": -0.0 })";
    const auto r = decode_body(body, "recent_draft_project", decode_limits{});
    ASSERT_TRUE(std::holds_alternative<problem>(r));  // the id is past int64
    const std::string big = R"({"big": 123456789012345678901234567890})";
    for (const std::string& text : {body, big}) {
        const auto ev = ok(text, "contract_signed");
        ASSERT_EQ(ev.size(), 1u);
        EXPECT_EQ(ev[0].canonical, json::parse(text).dump());
    }
    // Past 32 members the sort is std::stable_sort, not the insertion sort: same text.
    json many = json::object();
    std::string wide = "{";
    for (int i = 40; i > 0; --i) {
        const std::string key = "k" + std::to_string(i * 7 % 41);
        wide += "\"" + key + "\":" + std::to_string(i) + ",";
        many[key] = i;  // a repeated key keeps its last value, as in the text
    }
    wide += "\"k7\":\"last\"}";
    many["k7"] = "last";
    const auto w = ok(wide, "contract_signed");
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0].canonical, many.dump());
    // Of duplicate keys the last wins, as nlohmann's parse had it.
    const auto dup = ok(R"({"pkcustomerquotationid":1,"pkcustomerquotationid":2})");
    ASSERT_EQ(dup.size(), 1u);
    EXPECT_EQ(std::get<recent_draft_project>(dup[0].data).project_id, 2);
    EXPECT_EQ(dup[0].canonical, R"({"pkcustomerquotationid":2})");
}

TEST(decoder, shape_classification) {
    const auto type_of = [](const json& obj) { return one(obj).type; };
    EXPECT_EQ(type_of({{"activity_type", "email_sent"},
                       {"belongs_to_customer", 1},
                       {"belongs_to_project", 2}}),
              event_type::project_email_sent);
    EXPECT_EQ(type_of({{"activity_type", "published_proposal_link"},
                       {"belongs_to_customer", 1},
                       {"belongs_to_project", 2}}),
              event_type::published_proposal_link);
    EXPECT_EQ(type_of({{"activity_type", "call_made"}}), event_type::unclassified);
    EXPECT_EQ(type_of({{"activity_type", nullptr}, {"pkcustomerquotationid", 1}}),
              event_type::unclassified);
    EXPECT_EQ(type_of({{"pkcustomerquotationid", 1}}), event_type::recent_draft_project);
    EXPECT_EQ(type_of({{"customer_id", 1}, {"new_status", 2}}), event_type::customer_status_change);
    EXPECT_EQ(type_of({{"pkcustomerid", 1}, {"customer_status", 2}}), event_type::customer_created);
    EXPECT_EQ(type_of({{"pkcustomerid", 1}}), event_type::unclassified);
    EXPECT_EQ(type_of({{"contract_id", 9}}), event_type::unclassified);
}

TEST(decoder, unknown_shape_is_unclassified_not_rejected) {
    const auto ev = one({{"contract_id", 9}, {"signed_at", "2026-01-01"}});
    EXPECT_EQ(ev.type, event_type::unclassified);
    EXPECT_EQ(ev.type_label, "unclassified");
    ASSERT_EQ(ev.warnings.size(), 1u);
}

TEST(decoder, url_type_names_unknown_events_and_decides_ambiguous_bodies) {
    const auto ev = one({{"contract_id", 9}}, "contract_signed");
    EXPECT_EQ(ev.type, event_type::unclassified);
    EXPECT_EQ(ev.type_label, "contract_signed");

    // A body with no shape of its own: the URL decides, and identifiers are checked.
    const auto c = one({{"pkcustomerid", 3}}, "customer_created");
    EXPECT_EQ(c.type, event_type::customer_created);
    EXPECT_EQ(bad_obj(json{{"fkuserid", 3}}, "customer_created").details[0]["field"],
              "pkcustomerid");
}

TEST(decoder, url_type_disagreeing_with_body_is_type_mismatch) {
    auto p = bad(test::read_sample("project_email_sent.json"), "project_sms_sent");
    EXPECT_EQ(p.code, errc::type_mismatch);
    EXPECT_EQ(p.details[0]["url_type"], "project_sms_sent");
    EXPECT_EQ(p.details[0]["body_type"], "project_email_sent");

    p = bad(test::read_sample("customer_created.json"), "recent_draft_project");
    EXPECT_EQ(p.code, errc::type_mismatch);

    p = bad_obj(
        json{{"activity_type", "call_made"}, {"belongs_to_customer", 1}, {"belongs_to_project", 1}},
        "project_email_sent");
    EXPECT_EQ(p.code, errc::type_mismatch);
}

TEST(decoder, malformed_url_type_is_not_found) {
    EXPECT_EQ(bad_obj(json{{"a", 1}}, "Bad-Type").code, errc::not_found);
    EXPECT_FALSE(valid_type_segment(""));
    EXPECT_FALSE(valid_type_segment(std::string(65, 'a')));
    EXPECT_TRUE(valid_type_segment("contract_signed"));
}

}  // namespace
}  // namespace solarhook
