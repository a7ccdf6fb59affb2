// The Beast listener and its io threads. Accepts on one endpoint, caps open
// connections (at the cap the connection idle longest is closed to make room;
// an immediate 503 only when every one is mid-request), and runs one session
// per connection. Drain: stop accepting, answer in-flight requests, then stop;
// the caller decides how long to wait between the two.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "solarhook/config/config.hpp"
#include "solarhook/http/session.hpp"
#include "solarhook/http/webhook_endpoint.hpp"

namespace solarhook::http {

// Accepts, without blocking, up to `max` connections already waiting on a
// non-blocking acceptor, handing each to `take(socket)`; returns how many. The
// listener calls it after each accept completes: one accept per turn of the
// event loop left a burst of reconnecting clients waiting hundreds of ms.
template <class MakeSocket, class Take>
std::size_t accept_waiting(boost::asio::ip::tcp::acceptor& acceptor, std::size_t max,
                           MakeSocket make_socket, Take take) {
    std::size_t n = 0;
    for (; n < max; ++n) {
        boost::system::error_code ec;
        auto socket = make_socket();
        acceptor.accept(socket, ec);
        if (ec) {
            break;  // would_block: none waiting; anything else the async accept reports
        }
        take(std::move(socket));
    }
    return n;
}

// Runs `ioc` until it is stopped or runs out of work. A handler that throws is
// logged and the loop goes on (Asio allows run() to be called again): the
// connection it served is dropped with its last reference, the process lives.
// Returns how many exceptions it caught.
std::size_t run_io_thread(boost::asio::io_context& ioc) noexcept;

class server {
  public:
    server(const config& cfg, webhook_endpoint& endpoint);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    // Loads the TLS certificate when tls.cert_file is set (throws
    // std::runtime_error naming the file), binds and listens (throws
    // std::system_error naming the address), then runs the io threads.
    void start();
    // Reads the certificate and key again (a renewed certificate, on SIGHUP): new
    // connections get them, open ones keep theirs. Throws and keeps the old ones
    // if they do not load. Does nothing without TLS.
    void reload_tls();
    // Tokens, secrets, proxies, allowlist and rate limits from `fresh` for the
    // requests that start now (the rate limiter starts afresh).
    void reload_security(const config& fresh);
    std::uint16_t port() const noexcept { return port_; }
    std::size_t open_connections() const noexcept { return state_->connections.load(); }
    std::size_t requests_in_flight() const noexcept { return state_->in_flight(); }

    // Runs `beat` every `every` on the io threads, for as long as they run: a ping
    // that proves the event loop turns (the systemd watchdog).
    void heartbeat(std::chrono::microseconds every, std::function<void()> beat);

    void begin_drain();
    // True once no request is in flight; false if the timeout came first.
    bool wait_idle(std::chrono::milliseconds timeout);
    void stop();

  private:
    void do_accept();
    void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);
    void start_session(boost::asio::ip::tcp::socket socket);
    boost::asio::any_io_executor session_executor();
    // Most connections accepted at once after an accept completes.
    static constexpr std::size_t k_accept_burst = 64;

    const config& cfg_;
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer accept_retry_;
    boost::asio::steady_timer heartbeat_;
    std::shared_ptr<server_state> state_;
    std::mutex tls_mutex_;
    std::shared_ptr<boost::asio::ssl::context> tls_;  // null: plain HTTP
    std::vector<std::thread> threads_;
    std::uint16_t port_ = 0;
};

}  // namespace solarhook::http
