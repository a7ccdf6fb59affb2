#include "solarhook/sinks/file_sink.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>

#include "support/temp_dir.hpp"

namespace solarhook::sinks {
namespace {

using json = nlohmann::json;

std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) {
        out.push_back(l);
    }
    return out;
}

// Sends `n` events numbered from `first` and runs the io context until each is answered.
std::vector<deliver::attempt_result> send(file_sink& f, boost::asio::io_context& io, int first,
                                          int n) {
    std::vector<deliver::attempt_result> out;
    for (int i = first; i < first + n; ++i) {
        f.start(json{{"n", i}, {"name", "Zoë \"Z\"\n"}},
                [&](deliver::attempt_result r) { out.push_back(std::move(r)); });
    }
    io.restart();
    auto work = boost::asio::make_work_guard(io);  // run_one waits for the writer's answers
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (out.size() < static_cast<std::size_t>(n) &&
           std::chrono::steady_clock::now() < deadline) {
        io.run_one_for(std::chrono::seconds(1));
    }
    return out;
}

sink_config file_config(const std::string& path) {
    sink_config c;
    c.name = "archive";
    c.kind = sink_kind::file;
    c.path = path;
    return c;
}

TEST(file_sink, appends_one_json_line_per_event) {
    test::temp_dir dir;
    boost::asio::io_context io;
    const auto path = dir.file("sub/events.jsonl");
    {
        file_sink f(file_config(path), io);
        for (const auto& r : send(f, io, 0, 3)) {
            EXPECT_EQ(r.kind, deliver::attempt_kind::success);
        }
    }
    const auto lines = lines_of(path);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(json::parse(lines[2])["n"], 2);
    EXPECT_EQ(json::parse(lines[0])["name"], "Zoë \"Z\"\n");
}

TEST(file_sink, rotates_by_size_and_keeps_the_newest_files) {
    test::temp_dir dir;
    boost::asio::io_context io;
    const auto path = dir.file("events.jsonl");
    auto c = file_config(path);
    c.rotate_bytes = 100;  // about two lines
    c.keep = 2;
    {
        file_sink f(c, io);
        send(f, io, 0, 10);
    }
    EXPECT_TRUE(std::filesystem::exists(path + ".1"));
    EXPECT_TRUE(std::filesystem::exists(path + ".2"));
    EXPECT_FALSE(std::filesystem::exists(path + ".3"));
    for (const auto* p : {&path}) {
        EXPECT_LE(std::filesystem::file_size(*p), 100u);
    }
    // The newest line is in the live file, the ones before it in .1.
    EXPECT_EQ(json::parse(lines_of(path).back())["n"], 9);
    EXPECT_LT(json::parse(lines_of(path + ".1").back())["n"].get<int>(), 9);
}

TEST(file_sink, reopens_its_path_after_a_move_when_told) {
    test::temp_dir dir;
    boost::asio::io_context io;
    const auto path = dir.file("events.jsonl");
    file_sink f(file_config(path), io);
    send(f, io, 0, 2);
    std::filesystem::rename(path, path + ".old");  // what logrotate does
    send(f, io, 2, 1);
    EXPECT_EQ(lines_of(path + ".old").size(), 3u) << "still the open file until told";
    f.reopen();
    send(f, io, 3, 2);
    EXPECT_EQ(lines_of(path).size(), 2u);
    EXPECT_EQ(json::parse(lines_of(path)[0])["n"], 3);
}

TEST(file_sink, an_unwritable_path_is_a_retry_naming_it) {
    test::temp_dir dir;
    boost::asio::io_context io;
    std::ofstream(dir.file("not-a-dir")) << "x";
    file_sink f(file_config(dir.file("not-a-dir/events.jsonl")), io);
    const auto r = send(f, io, 0, 1);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].kind, deliver::attempt_kind::retry);
    EXPECT_NE(r[0].error.find("not-a-dir/events.jsonl"), std::string::npos) << r[0].error;
}

}  // namespace
}  // namespace solarhook::sinks
