// `solarhook sinks test NAME --sample TYPE [--generation 1|2] [--send]`: shows
// what a sink would do with a sample event of that type (the request, the
// command and its stdin, or the line), secrets masked; with --send it does it
// once and prints the outcome, so an operator can try a CRM or Slack sink
// before pointing the provider at the daemon.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace solarhook::app {

int run_sinks_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace solarhook::app
