#include "support/http_recorder.hpp"

#include <fstream>
#include <stdexcept>

namespace solarhook::test {

http_recorder::http_recorder(const std::string& cert, const std::string& key)
    : log_(dir_.file("requests.jsonl")) {
    std::vector<std::string> args{
        "/usr/bin/python3", std::string(SOLARHOOK_SOURCE_DIR) + "/tests/support/http_recorder.py",
        "--log", log_};
    if (!cert.empty()) {
        args.insert(args.end(), {"--cert", cert, "--key", key});
    }
    child_ = std::make_unique<child_process>(args);
    const auto line = child_->read_line();
    if (!line) {
        throw std::runtime_error("the test HTTP server did not start: " + child_->all_stderr());
    }
    port_ = static_cast<std::uint16_t>(std::stoi(*line));
}

std::string http_recorder::url(const std::string& path, bool tls) const {
    return (tls ? "https://localhost:" : "http://127.0.0.1:") + std::to_string(port_) + path;
}

std::vector<nlohmann::json> http_recorder::requests() const {
    std::ifstream in(log_);
    std::vector<nlohmann::json> out;
    for (std::string l; std::getline(in, l);) {
        auto j = nlohmann::json::parse(l, nullptr, false);
        if (!j.is_discarded()) {
            out.push_back(std::move(j));
        }
    }
    return out;
}

std::vector<nlohmann::json> http_recorder::requests_to(const std::string& path) const {
    std::vector<nlohmann::json> out;
    for (auto& r : requests()) {
        if (r["path"] == path) {
            out.push_back(std::move(r));
        }
    }
    return out;
}

void make_test_pki(const std::string& dir) {
    const auto run = [](const std::vector<std::string>& args) {
        const auto r = run_to_end(args);
        if (r.code != 0) {
            throw std::runtime_error("openssl failed: " + r.err);
        }
    };
    std::ofstream(dir + "/ext.cnf") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
    run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
         "/CN=solarhook test CA", "-keyout", dir + "/ca.key", "-out", dir + "/ca.pem"});
    run({"/usr/bin/openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
         "-keyout", dir + "/key.pem", "-out", dir + "/cert.csr"});
    run({"/usr/bin/openssl", "x509", "-req", "-in", dir + "/cert.csr", "-CA", dir + "/ca.pem",
         "-CAkey", dir + "/ca.key", "-CAcreateserial", "-days", "2", "-extfile", dir + "/ext.cnf",
         "-out", dir + "/cert.pem"});
}

}  // namespace solarhook::test
