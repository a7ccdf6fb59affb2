#include "solarhook/core/thread_name.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <thread>

namespace solarhook {
namespace {

std::string own_comm() {
    std::ifstream f("/proc/thread-self/comm");
    std::string s;
    std::getline(f, s);
    return s;
}

TEST(thread_name, the_kernel_shows_the_name) {
    std::string seen;
    std::thread([&] {
        name_this_thread("sh-test");
        seen = own_comm();
    }).join();
    EXPECT_EQ(seen, "sh-test");
}

TEST(thread_name, a_long_name_is_cut_to_fifteen_bytes) {
    std::string seen;
    std::thread([&] {
        name_this_thread("sh-a-name-longer-than-fifteen");
        seen = own_comm();
    }).join();
    EXPECT_EQ(seen, "sh-a-name-longe");
}

}  // namespace
}  // namespace solarhook
