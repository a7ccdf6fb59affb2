// The exec sink: runs `command` (an argv list, no shell; each element a text
// template) through Boost.Process v2 on the engine's io_context, with the
// normalized event on stdin (a file: see spawn.hpp) and SOLARHOOK_TYPE, SOLARHOOK_KEY and
// SOLARHOOK_EVENT_ID in the environment. Exit 0 is success, an exit code listed
// in permanent_exit_codes is dead, anything else retries. At the timeout the
// child gets SIGTERM, and SIGKILL 5 s later. The first 4 KiB of stdout and of
// stderr are kept with the attempt.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>

#include "solarhook/deliver/delivery.hpp"
#include "solarhook/route/router.hpp"
#include "solarhook/sinks/spawn.hpp"

namespace solarhook::sinks {

class exec_sink final : public deliver::sink_driver {
  public:
    static constexpr std::size_t k_output_kept = 4096;
    static constexpr std::chrono::seconds k_kill_after{5};

    // spawn_child, unless a test needs a start whose descriptors cannot be watched.
    using spawner = std::function<spawned_child(const std::string&, const std::vector<std::string>&,
                                                const std::vector<std::string>&, std::string_view,
                                                boost::system::error_code&)>;

    exec_sink(const route::compiled_sink& sink, boost::asio::io_context& io,
              spawner spawn = spawn_child);
    void start(const nlohmann::json& normalized,
               std::function<void(deliver::attempt_result)> done) override;

  private:
    route::compiled_sink sink_;
    boost::asio::io_context& io_;
    spawner spawn_;
};

}  // namespace solarhook::sinks
