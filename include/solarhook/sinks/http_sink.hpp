// The http sink: an asynchronous Beast client on the delivery engine's io thread
// (never a thread blocked per request), with a keep-alive pool per host and
// OpenSSL for https (system CA store, host name verification, SNI; TLS 1.2+).
// 2xx is success; 408, 425, 429, 5xx, connection errors and timeouts retry, with
// Retry-After (seconds or an HTTP date) as the least delay; anything else,
// redirects included, is permanent. The first 1 KiB of each answer is kept.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "solarhook/core/clock.hpp"
#include "solarhook/deliver/delivery.hpp"
#include "solarhook/route/router.hpp"

namespace solarhook::sinks {

struct http_url {
    bool tls = false;
    std::string host;  // without brackets for IPv6
    std::string port;
    std::string target;  // path and query, "/" at least
};
// Throws std::invalid_argument naming what is wrong.
http_url parse_http_url(const std::string& url);

// The least delay a Retry-After value asks for: delta-seconds or an HTTP date
// (IMF-fixdate) measured from `now`; nullopt if it is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(const std::string& value,
                                                           clock::time_point now);

// What an answer's status means for the delivery.
deliver::attempt_kind classify_status(int status) noexcept;

class http_sink final : public deliver::sink_driver {
  public:
    static constexpr std::size_t k_response_kept = 1024;
    static constexpr std::size_t k_response_limit = 1 << 20;  // bodies read, at most
    static constexpr int k_interim_max = 8;  // 1xx answers skipped before the final one

    http_sink(const route::compiled_sink& sink, boost::asio::io_context& io,
              const clock& clk = default_clock());
    ~http_sink() override;
    void start(const nlohmann::json& normalized,
               std::function<void(deliver::attempt_result)> done) override;
    void close() override;

    struct connection;  // defined in the .cpp
    struct exchange;

  private:
    static const clock& default_clock();
    friend struct exchange;
    // Everything of a request to `url` but its Content-Length value and body.
    struct request_head {
        http_url url;
        std::string key;   // the pool's
        std::string text;  // up to and including "Content-Length: "
    };
    request_head head_for_(http_url url) const;
    std::shared_ptr<connection> take_idle_(const std::string& key);
    void give_back_(const std::string& key, std::shared_ptr<connection> c);

    route::compiled_sink sink_;
    boost::asio::io_context& io_;
    const clock& clock_;
    boost::asio::ssl::context tls_;
    std::shared_ptr<const request_head> fixed_head_;  // a URL without placeholders: built once
    std::map<std::string, std::vector<std::shared_ptr<connection>>> idle_;
    bool closed_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace solarhook::sinks
