// The commands that talk to other machines on the operator's behalf:
//   solarhook send-test TYPE|all --url URL [--generation 1|2] [--repeat N] [--token T]
//     posts realistic samples (both generations and an array body unless one
//     generation is asked for) and prints each answer; exit 1 if any is not 200.
//   solarhook provider subscribe --url HOOK_URL [--types all|t1,t2] --api-base URL
//   solarhook provider unsubscribe --url HOOK_URL --api-base URL
//     the provider's subscription API, with the key from SOLARPROOF_API_KEY only.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace solarhook::app {

int run_send_test(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_provider_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// `hook_url` with `type` as the last path segment before the query: the per-type
// URL of a base webhook URL (left as is when it already ends in a type name).
std::string url_for_type(const std::string& hook_url, const std::string& type);

}  // namespace solarhook::app
