#include "solarhook/core/thread_priority.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <thread>

namespace solarhook {
namespace {

int nice_of(pid_t tid) {
    errno = 0;
    const int n = ::getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
    EXPECT_EQ(errno, 0);
    return n;
}

TEST(thread_priority, the_calling_thread_is_lowered_and_no_other) {
    const int main_before = nice_of(::gettid());
    int before = 0;
    int after = 0;
    std::thread([&] {
        before = nice_of(::gettid());
        lower_this_thread_priority();
        after = nice_of(::gettid());
    }).join();
    EXPECT_EQ(after, std::min(before + k_background_nice, 19));
    EXPECT_GT(after, before) << "a test run at nice 19 cannot show the change";
    EXPECT_EQ(nice_of(::gettid()), main_before);
}

TEST(thread_priority, lowering_again_stops_at_nineteen) {
    int after = 0;
    std::thread([&] {
        for (int i = 0; i < 10; ++i) {
            lower_this_thread_priority();
        }
        after = nice_of(::gettid());
    }).join();
    EXPECT_EQ(after, 19);
}

}  // namespace
}  // namespace solarhook
