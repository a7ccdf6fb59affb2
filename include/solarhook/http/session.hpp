// One HTTP/1.1 connection, plain or TLS: (TLS: a handshake under its own
// deadline, then) read a request (fresh parser, header and body limits, one
// deadline for the whole read so dribbled bytes cannot extend it), guard its
// framing and its sender, answer it through the endpoint, and loop for
// keep-alive. Requests are handled one at a time, so pipelined requests are
// answered in order.
#pragma once

#include <atomic>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>

#include "solarhook/config/config.hpp"
#include "solarhook/http/access_gate.hpp"
#include "solarhook/http/buffered_parse.hpp"
#include "solarhook/http/webhook_endpoint.hpp"
#include "solarhook/metrics/metrics.hpp"

namespace solarhook::http {

class session_base;

// What the listener and all sessions share.
struct server_state {
    server_state(const config& c, webhook_endpoint& e)
        : cfg(c), endpoint(e), gate(std::make_shared<access_gate>(c)) {}
    const config& cfg;
    webhook_endpoint& endpoint;
    // Swapped whole on SIGHUP (a token rotated, a proxy added); a request keeps
    // the gate it started with.
    std::atomic<std::shared_ptr<access_gate>> gate;
    std::atomic<std::size_t> connections{0};
    std::atomic<bool> draining{false};

    void request_started();
    void request_finished();
    bool wait_idle(std::chrono::milliseconds timeout);
    std::size_t in_flight() const noexcept { return in_flight_.load(); }

    void add(const std::shared_ptr<session_base>& s);
    void remove(session_base* s);
    // Connections waiting for the first byte of a request (new, or kept alive
    // between requests), oldest first: at the cap the longest-idle one makes room.
    void mark_idle(const std::shared_ptr<session_base>& s);
    void mark_busy(session_base* s);
    std::shared_ptr<session_base> take_longest_idle();
    // Closes every open connection; only once the io threads have stopped.
    void close_all();

  private:
    std::mutex sessions_mutex_;
    std::unordered_map<session_base*, std::weak_ptr<session_base>> sessions_;
    // Linked through the sessions themselves (idle_prev_/idle_next_): marking a
    // connection idle on every kept-alive request allocates nothing.
    void unlink_idle_locked(session_base* s);
    session_base* idle_head_ = nullptr;  // the longest idle; under sessions_mutex_
    session_base* idle_tail_ = nullptr;
    std::mutex mutex_;
    std::condition_variable idle_;
    std::atomic<std::size_t> in_flight_{0};  // counted without the mutex: twice per request
};

// What the listener's bookkeeping needs of a connection, whatever its stream.
class session_base : public std::enable_shared_from_this<session_base> {
  public:
    virtual ~session_base() = default;
    virtual void run() = 0;
    virtual void close_socket() noexcept = 0;
    // Closes the connection from its own executor (it may be on another thread).
    virtual void evict() = 0;

  private:
    // Its place in server_state's idle list, when it is there (under its mutex).
    friend struct server_state;
    session_base* idle_prev_ = nullptr;
    session_base* idle_next_ = nullptr;
    bool idle_ = false;
};

template <class Stream>
class basic_session final : public session_base {
  public:
    static constexpr bool is_tls = !std::is_same_v<Stream, boost::beast::tcp_stream>;
    // `tls`: the context of a TLS connection's handshake; null for plain ones.
    basic_session(boost::asio::ip::tcp::socket&& socket,
                  std::shared_ptr<boost::asio::ssl::context> tls,
                  std::shared_ptr<server_state> state, bool over_capacity);
    ~basic_session() override;
    void run() override;
    void close_socket() noexcept override;
    void evict() override;

  private:
    std::shared_ptr<basic_session> self() {
        return std::static_pointer_cast<basic_session>(shared_from_this());
    }
    void start();
    void on_handshake(boost::beast::error_code ec);
    void begin();
    void do_read();
    void on_first_bytes(boost::beast::error_code ec, std::size_t n);
    void do_read_header();
    void on_header(boost::beast::error_code ec, std::size_t n);
    void do_read_body();
    void on_body(boost::beast::error_code ec, std::size_t n);
    void on_answer(answer a);
    void on_read_error(boost::beast::error_code ec);
    void reject(const problem& p, bool close,
                std::chrono::seconds retry_after = std::chrono::seconds(0));
    void send(answer a, bool close);
    void on_write(bool close, boost::beast::error_code ec, std::size_t n);
    void do_close();
    void end_request();
    void access_log(unsigned status, std::size_t resp_bytes);
    boost::beast::tcp_stream& tcp() { return boost::beast::get_lowest_layer(stream_); }

    std::shared_ptr<boost::asio::ssl::context> tls_;  // outlives stream_, which refers to it
    Stream stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::shared_ptr<server_state> state_;
    std::string wire_;  // the answer's bytes; reused across the connection's requests
    unsigned answer_status_ = 0;
    std::size_t answer_body_bytes_ = 0;
    std::shared_ptr<boost::beast::http::response<boost::beast::http::empty_body>> continue_;
    std::string remote_;
    security::ip_bytes peer_{};
    std::shared_ptr<access_gate> gate_;  // the current request's
    metrics::route_label route_ = metrics::route_label::other;
    gate_verdict verdict_;
    std::string signed_id_;
    std::string request_id_;
    std::string method_;
    std::string target_;
    std::size_t served_ = 0;
    bool in_request_ = false;
    bool over_capacity_;
    std::chrono::steady_clock::time_point started_;
};

using plain_session = basic_session<boost::beast::tcp_stream>;
using tls_session = basic_session<boost::beast::ssl_stream<boost::beast::tcp_stream>>;

// The client's X-Request-Id if it is 1..64 of [A-Za-z0-9._-], else a fresh one.
std::string pick_request_id(std::string_view offered);

}  // namespace solarhook::http
