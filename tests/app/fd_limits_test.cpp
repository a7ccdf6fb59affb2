#include "solarhook/app/fd_limits.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace solarhook::app {
namespace {

TEST(fd_limits, connections_fit_under_the_limit_less_the_reserve) {
    EXPECT_EQ(connections_that_fit(1'048'576, 1024), 1024u);
    EXPECT_EQ(connections_that_fit(1024, 1024), 1024u - k_reserved_fds);  // the default soft limit
    EXPECT_EQ(connections_that_fit(512, 1024), 448u);
    EXPECT_EQ(connections_that_fit(10, 1024), 1u);  // never zero
}

TEST(fd_limits, the_soft_limit_is_raised_to_the_hard_one) {
    rlimit before{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &before), 0);
    const auto b = fit_fd_limit(1024);
    EXPECT_EQ(b.soft, before.rlim_max);
    EXPECT_EQ(b.hard, before.rlim_max);
    rlimit after{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &after), 0);
    EXPECT_EQ(after.rlim_cur, after.rlim_max);
    EXPECT_EQ(b.max_connections, connections_that_fit(after.rlim_cur, 1024));
}

}  // namespace
}  // namespace solarhook::app
