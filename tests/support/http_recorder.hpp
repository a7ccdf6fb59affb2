// A real HTTP(S) server for the sink tests (tests/support/http_recorder.py, run
// by Debian's python3): answers by path as scripted there and records every
// request, which requests() reads back. Ended by its pid with the test.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace solarhook::test {

class http_recorder {
  public:
    // With a certificate and key it speaks HTTPS.
    explicit http_recorder(const std::string& cert = {}, const std::string& key = {});
    std::uint16_t port() const { return port_; }
    std::string url(const std::string& path, bool tls = false) const;
    // Every request so far: method, path, client_port, headers, body, t (seconds).
    std::vector<nlohmann::json> requests() const;
    std::vector<nlohmann::json> requests_to(const std::string& path) const;

  private:
    temp_dir dir_;
    std::string log_;
    std::unique_ptr<child_process> child_;
    std::uint16_t port_ = 0;
};

// A throwaway CA and a certificate for 127.0.0.1 and localhost it signed, made
// with the openssl command: files ca.pem, cert.pem, key.pem in `dir`.
void make_test_pki(const std::string& dir);

}  // namespace solarhook::test
