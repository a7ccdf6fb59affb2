// Names the calling thread as `top -H`, `ps -L` and perf show it. Linux keeps at
// most 15 bytes, so longer names are cut; naming is a courtesy to operators and
// never fails the caller.
#pragma once

#include <string_view>

namespace solarhook {

void name_this_thread(std::string_view name) noexcept;

}  // namespace solarhook
