#include "solarhook/store/dir_lock.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>
#include <stdexcept>

#include "support/temp_dir.hpp"

namespace solarhook::store {
namespace {

std::string error_of(const std::string& dir) {
    try {
        dir_lock second(dir);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

TEST(dir_lock, one_holder_at_a_time_and_the_refusal_names_it) {
    test::temp_dir dir;
    std::optional<dir_lock> first;
    first.emplace(dir.path().string());
    // flock conflicts between open files, so a second lock in this process is refused
    // exactly as a second daemon's would be.
    const auto err = error_of(dir.path().string());
    EXPECT_NE(err.find("in use by another solarhook (pid " + std::to_string(::getpid()) + ")"),
              std::string::npos)
        << err;
    first.reset();
    EXPECT_EQ(error_of(dir.path().string()), "");  // released with its holder
}

TEST(dir_lock, a_directory_that_does_not_exist_is_a_clear_error) {
    test::temp_dir dir;
    const auto err = error_of(dir.file("missing"));
    EXPECT_NE(err.find("cannot open the lock file"), std::string::npos) << err;
}

}  // namespace
}  // namespace solarhook::store
