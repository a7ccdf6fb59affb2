#include "solarhook/app/sinks_cli.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "solarhook/app/samples.hpp"
#include "solarhook/decode/decoder.hpp"
#include "support/http_recorder.hpp"
#include "support/temp_dir.hpp"

namespace solarhook::app {
namespace {

using json = nlohmann::json;

struct cli_run {
    int code;
    std::string out;
    std::string err;
};

cli_run run(const std::vector<std::string>& args) {
    std::ostringstream out;
    std::ostringstream err;
    const int code = run_sinks_cli(args, out, err);
    return {code, out.str(), err.str()};
}

std::string config_file(const test::temp_dir& dir, const json& sinks) {
    json c = {{"sinks", sinks}, {"routes", json::array()}};
    for (const auto& [name, v] : sinks.items()) {
        c["routes"].push_back({{"match", {{"types", {"customer_created"}}}}, {"sinks", {name}}});
    }
    const auto path = dir.file("c.json");
    std::ofstream(path) << c.dump();
    return path;
}

TEST(sinks_cli, shows_the_request_with_secrets_masked) {
    test::temp_dir dir;
    std::ofstream(dir.file("token")) << "very-secret-token\n";
    const auto cfg = config_file(
        dir, {{"crm",
               {{"kind", "http"},
                {"url", "https://crm.example.com/c/{customer_id}"},
                {"headers", {{"Authorization", "Bearer ${file:" + dir.file("token") + "}"}}},
                {"body", {{"name", "{customer_name}"}}}}}});
    const auto r = run({"test", "crm", "--sample", "customer_created", "--config", cfg});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("POST https://crm.example.com/c/12345"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Authorization: Bearer ***"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("very-secret-token"), std::string::npos);
    EXPECT_NE(r.out.find("\"name\": \"John Doe\""), std::string::npos) << r.out;
}

TEST(sinks_cli, send_performs_it_once_and_prints_the_outcome) {
    test::temp_dir dir;
    test::http_recorder server;
    const auto cfg = config_file(dir, {{"crm", {{"kind", "http"}, {"url", server.url("/ok")}}}});
    auto r = run({"test", "crm", "--sample", "customer_created", "--generation", "2", "--config",
                  cfg, "--send"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("outcome: success"), std::string::npos) << r.out;
    ASSERT_EQ(server.requests().size(), 1u);
    EXPECT_EQ(json::parse(server.requests()[0]["body"].get<std::string>())["customer_id"], 141472);
    const auto bad =
        config_file(dir, {{"crm", {{"kind", "http"}, {"url", server.url("/status/400")}}}});
    r = run({"test", "crm", "--sample", "customer_created", "--config", bad, "--send"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("failed permanently"), std::string::npos) << r.out;
}

TEST(sinks_cli, exec_and_file_sinks_and_mistakes) {
    test::temp_dir dir;
    const auto cfg =
        config_file(dir, {{"run", {{"kind", "exec"}, {"command", {"/bin/x", "{type}"}}}},
                          {"archive", {{"kind", "file"}, {"path", dir.file("a.jsonl")}}}});
    auto r = run({"test", "run", "--sample", "customer_created", "--config", cfg});
    EXPECT_NE(r.out.find(R"(command: "/bin/x" "customer_created")"), std::string::npos) << r.out;
    r = run({"test", "archive", "--sample", "project_sms_sent", "--config", cfg});
    EXPECT_NE(r.out.find("note: no route sends project_sms_sent"), std::string::npos) << r.out;
    r = run({"test", "nope", "--sample", "customer_created", "--config", cfg});
    EXPECT_EQ(r.code, 2);
    r = run({"test", "run", "--sample", "contract_signed", "--config", cfg});
    EXPECT_EQ(r.code, 2);
}

TEST(samples, every_sample_decodes_as_its_type) {
    for (const auto& t : sample_types()) {
        for (int g : {1, 2}) {
            const auto body = sample_payload(t, g);
            ASSERT_TRUE(body) << t;
            auto r = decode_body(*body, std::nullopt, decode_limits{});
            ASSERT_TRUE(std::holds_alternative<std::vector<decoded_event>>(r)) << t;
            EXPECT_EQ(std::get<std::vector<decoded_event>>(r).at(0).type_label, t);
        }
    }
}

}  // namespace
}  // namespace solarhook::app
