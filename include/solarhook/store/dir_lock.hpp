// An exclusive advisory lock (flock) on <dir>/solarhook.lock, held for the
// object's life: one daemon per data directory. Each daemon keeps the live dedup
// keys in memory, so a second one on the same journal would not see the first's
// keys and would act twice on a re-delivery. The lock dies with the process.
#pragma once

#include <string>

namespace solarhook::store {

class dir_lock {
  public:
    // Throws std::runtime_error naming the directory (and the holder's pid) if
    // another process holds it, or if the lock file cannot be opened.
    explicit dir_lock(const std::string& dir);
    ~dir_lock();
    dir_lock(const dir_lock&) = delete;
    dir_lock& operator=(const dir_lock&) = delete;

  private:
    int fd_ = -1;
};

}  // namespace solarhook::store
