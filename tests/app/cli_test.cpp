#include "solarhook/app/cli.hpp"

#include <gtest/gtest.h>

#include <boost/program_options/errors.hpp>

namespace solarhook::app {
namespace {

TEST(cli, flags_override_the_file_and_defaults) {
    const auto cfg =
        parse_serve_args({"--config", std::string(SOLARHOOK_SOURCE_DIR) + "/config/solarhook.json",
                          "--listen", "127.0.0.1:9999", "--workers", "7", "--log-format", "text",
                          "--log-level", "debug", "--io-threads", "3"});
    EXPECT_EQ(cfg.listen_port, 9999);
    EXPECT_EQ(cfg.workers, 7u);
    EXPECT_EQ(cfg.io_threads, 3u);
    EXPECT_EQ(cfg.log_fmt, log_format::text);
    EXPECT_EQ(cfg.log_level, "debug");
}

TEST(cli, store_flags_set_the_store_section) {
    const auto cfg = parse_serve_args(
        {"--store", "memory", "--data-dir", "/var/lib/solarhook", "--durability", "normal"});
    EXPECT_EQ(cfg.store.kind, store_kind::memory);
    EXPECT_EQ(cfg.store.data_dir, "/var/lib/solarhook");
    EXPECT_EQ(cfg.store.durability, durability_level::normal);
    EXPECT_THROW(parse_serve_args({"--store", "postgres"}), config_error);
    EXPECT_THROW(parse_serve_args({"--durability", "paranoid"}), config_error);
    EXPECT_THROW(parse_serve_args({"--data-dir", ""}), config_error);
}

TEST(cli, no_flags_gives_the_embedded_defaults) {
    const auto cfg = parse_serve_args({});
    EXPECT_EQ(cfg.listen_host, "127.0.0.1");
    EXPECT_EQ(cfg.listen_port, 8080);
    EXPECT_EQ(cfg.store.kind, store_kind::sqlite);
    EXPECT_EQ(cfg.store.data_dir, "./data");
    EXPECT_EQ(cfg.store.durability, durability_level::full);
}

TEST(cli, bad_flags_are_errors) {
    EXPECT_THROW(parse_serve_args({"--log-format", "xml"}), config_error);
    EXPECT_THROW(parse_serve_args({"--listen", "nope"}), config_error);
    EXPECT_THROW(parse_serve_args({"--workers", "many"}), boost::program_options::error);
    EXPECT_THROW(parse_serve_args({"--frobnicate"}), boost::program_options::error);
}

}  // namespace
}  // namespace solarhook::app
