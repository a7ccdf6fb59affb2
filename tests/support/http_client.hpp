// Test-side HTTP over real loopback sockets. Every read waits with poll() and a
// deadline, so a server that never answers fails the test instead of hanging
// it (Asio's blocking reads ignore SO_RCVTIMEO). raw_connection sends exact
// bytes, for framing, pipelining and slowloris cases.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace solarhook::test {

struct http_reply {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    nlohmann::json json() const { return nlohmann::json::parse(body); }
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string{} : it->second;
    }
};

class raw_connection {
  public:
    explicit raw_connection(std::uint16_t port,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~raw_connection();
    raw_connection(const raw_connection&) = delete;
    raw_connection& operator=(const raw_connection&) = delete;
    // Throws once the peer has closed the connection.
    void send(const std::string& bytes);
    // Next response; nullopt if the connection closed or timed out first.
    std::optional<http_reply> read_reply();
    // True once the server has closed the connection (EOF or reset) in time.
    bool closed_by_peer();

  private:
    enum class read_status { data, eof, timeout };
    read_status read_more(std::chrono::steady_clock::time_point deadline);

    int fd_ = -1;
    std::chrono::milliseconds timeout_;
    std::string buffer_;
};

http_reply request(std::uint16_t port, const std::string& method, const std::string& target,
                   const std::string& body = {},
                   const std::map<std::string, std::string>& headers = {
                       {"Content-Type", "application/json"}});

inline http_reply post(std::uint16_t port, const std::string& target, const std::string& body,
                       const std::map<std::string, std::string>& headers = {
                           {"Content-Type", "application/json"}}) {
    return request(port, "POST", target, body, headers);
}

}  // namespace solarhook::test
