// The command line: `serve`, `check-config FILE`, `--version`, `--help`.
// Parses options (Boost.Program_options), layers flags over the config file
// over the defaults, and runs the daemon until SIGTERM/SIGINT. Exit codes:
// 0 done, 1 runtime failure (e.g. cannot bind), 2 bad usage or config.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "solarhook/config/config.hpp"

namespace solarhook::app {

// argv after the subcommand -> effective config; throws config_error or
// boost::program_options::error. Pure, unit-tested.
config parse_serve_args(const std::vector<std::string>& args);

int run_cli(int argc, char** argv);

}  // namespace solarhook::app
