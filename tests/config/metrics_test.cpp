#include "solarhook/config/metrics.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "solarhook/config/config.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;

TEST(metrics_config, keys_parse_print_and_name_their_errors) {
    const auto c = apply_config_json(
        config{}, json{{"metrics", {{"enabled", true}, {"listen", "127.0.0.1:9464"}}}});
    EXPECT_TRUE(c.metrics.separate());
    EXPECT_EQ(c.metrics.listen_port, 9464);
    EXPECT_EQ(to_json(c)["metrics"], json({{"enabled", true}, {"listen", "127.0.0.1:9464"}}));
    EXPECT_FALSE(config{}.metrics.separate());
    const auto error_of = [](const json& j) -> std::string {
        try {
            apply_config_json(config{}, j);
        } catch (const config_error& e) {
            return e.what();
        }
        return "(accepted)";
    };
    EXPECT_NE(error_of({{"metrics", {{"enabled", "yes"}}}}).find("'metrics.enabled'"),
              std::string::npos);
    EXPECT_NE(error_of({{"metrics", {{"listen", "9464"}}}}).find("'metrics.listen'"),
              std::string::npos);
    EXPECT_NE(error_of({{"metrics", {{"path", "/m"}}}}).find("'metrics.path': unknown key"),
              std::string::npos);
}

TEST(metrics_config, the_docs_table_is_the_generated_one) {
    std::ifstream in(std::string(SOLARHOOK_SOURCE_DIR) + "/docs/configuration.md");
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_NE(ss.str().find(metrics_keys_markdown()), std::string::npos)
        << "docs/configuration.md must hold this table:\n"
        << metrics_keys_markdown();
}

}  // namespace
}  // namespace solarhook
