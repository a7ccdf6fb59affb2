// Puts the calling thread behind the acknowledgement path: its nice value rises by
// k_background_nice (at most to 19). Threads no answer waits for (workers, the
// delivery engine, the dispatcher, file sinks) call it, so under CPU contention the
// io thread and the store's writer run first. Linux keeps nice per thread; children
// started from such a thread inherit it. Failure leaves the priority as it was.
#pragma once

namespace solarhook {

inline constexpr int k_background_nice = 5;

void lower_this_thread_priority() noexcept;

}  // namespace solarhook
