// The descriptors this process has open, from /proc/self/fd: tests compare the set
// before and after a failure path to show that it leaked nothing.
#pragma once

#include <dirent.h>

#include <set>
#include <string>

namespace solarhook::test {

inline std::set<int> open_descriptors() {
    std::set<int> out;
    DIR* d = ::opendir("/proc/self/fd");
    while (const dirent* e = ::readdir(d)) {
        if (e->d_name[0] != '.') {
            out.insert(std::stoi(e->d_name));
        }
    }
    out.erase(::dirfd(d));
    ::closedir(d);
    return out;
}

}  // namespace solarhook::test
