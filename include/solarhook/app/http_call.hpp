// One HTTP(S) POST from the command line (send-test, provider subscribe): the
// caller waits for it, within a deadline. HTTPS verifies the server against the
// system's CA store (or `ca_file`) with SNI and host name checks.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace solarhook::app {

struct http_result {
    int status = 0;
    std::string body;
};

// Throws std::runtime_error naming the URL and what failed (resolve, connect,
// TLS, timeout, a malformed answer).
http_result http_post(const std::string& url, const std::string& body,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      std::chrono::milliseconds timeout, const std::string& ca_file = {});

}  // namespace solarhook::app
