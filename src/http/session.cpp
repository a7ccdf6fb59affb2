#include "solarhook/http/session.hpp"

#include <fmt/format.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <random>
#include <vector>

#include "solarhook/http/request_guard.hpp"
#include "solarhook/http/wire.hpp"
#include "solarhook/log/structured.hpp"
#include "solarhook/security/token_auth.hpp"

namespace solarhook::http {
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;

void server_state::request_started() {
    in_flight_.fetch_add(1);
}

void server_state::request_finished() {
    if (in_flight_.fetch_sub(1) == 1) {
        // Taking the mutex orders this after a waiter's check of the count, so the
        // notification cannot fall between its check and its sleep.
        std::lock_guard lock(mutex_);
        idle_.notify_all();
    }
}

bool server_state::wait_idle(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return idle_.wait_for(lock, timeout, [this] { return in_flight_.load() == 0; });
}

void server_state::add(const std::shared_ptr<session_base>& s) {
    std::lock_guard lock(sessions_mutex_);
    sessions_.emplace(s.get(), s);
}

void server_state::remove(session_base* s) {
    std::lock_guard lock(sessions_mutex_);
    sessions_.erase(s);
    unlink_idle_locked(s);
}

void server_state::unlink_idle_locked(session_base* s) {
    if (!s->idle_) {
        return;
    }
    (s->idle_prev_ != nullptr ? s->idle_prev_->idle_next_ : idle_head_) = s->idle_next_;
    (s->idle_next_ != nullptr ? s->idle_next_->idle_prev_ : idle_tail_) = s->idle_prev_;
    s->idle_prev_ = s->idle_next_ = nullptr;
    s->idle_ = false;
}

void server_state::mark_idle(const std::shared_ptr<session_base>& s) {
    std::lock_guard lock(sessions_mutex_);
    if (s->idle_) {
        return;
    }
    s->idle_prev_ = idle_tail_;
    (idle_tail_ != nullptr ? idle_tail_->idle_next_ : idle_head_) = s.get();
    idle_tail_ = s.get();
    s->idle_ = true;
}

void server_state::mark_busy(session_base* s) {
    std::lock_guard lock(sessions_mutex_);
    unlink_idle_locked(s);
}

std::shared_ptr<session_base> server_state::take_longest_idle() {
    std::lock_guard lock(sessions_mutex_);
    while (idle_head_ != nullptr) {
        session_base* s = idle_head_;
        unlink_idle_locked(s);
        // Null when it is being destroyed: its destructor waits for this mutex
        // (remove), so the object is still there to ask.
        if (auto alive = s->weak_from_this().lock()) {
            return alive;
        }
    }
    return nullptr;
}

void server_state::close_all() {
    std::vector<std::shared_ptr<session_base>> open;
    {
        std::lock_guard lock(sessions_mutex_);
        for (auto& [ptr, weak] : sessions_) {
            if (auto s = weak.lock()) {
                open.push_back(std::move(s));
            }
        }
    }
    for (auto& s : open) {
        s->close_socket();
    }
}

std::string pick_request_id(std::string_view offered) {
    const bool usable =
        !offered.empty() && offered.size() <= 64 &&
        std::all_of(offered.begin(), offered.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
        });
    if (usable) {
        return std::string(offered);
    }
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::string id(16, '0');
    auto bits = rng();
    for (auto it = id.rbegin(); it != id.rend(); ++it, bits >>= 4) {
        *it = "0123456789abcdef"[bits & 0xF];
    }
    return id;
}

namespace {
template <class Stream>
Stream make_stream(net::ip::tcp::socket&& socket, net::ssl::context* tls) {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
        return Stream(std::move(socket));
    } else {
        return Stream(std::move(socket), *tls);
    }
}
}  // namespace

template <class Stream>
basic_session<Stream>::basic_session(net::ip::tcp::socket&& socket,
                                     std::shared_ptr<net::ssl::context> tls,
                                     std::shared_ptr<server_state> state, bool over_capacity)
    : tls_(std::move(tls)),
      stream_(make_stream<Stream>(std::move(socket), tls_.get())),
      state_(std::move(state)),
      over_capacity_(over_capacity) {
    beast::error_code ec;
    const auto ep = tcp().socket().remote_endpoint(ec);
    remote_ = ec ? "-" : fmt::format("{}:{}", ep.address().to_string(), ep.port());
    if (!ec) {
        const auto a = ep.address();
        peer_ = a.is_v4() ? net::ip::make_address_v6(net::ip::v4_mapped, a.to_v4()).to_bytes()
                          : a.to_v6().to_bytes();
    }
}

template <class Stream>
basic_session<Stream>::~basic_session() {
    state_->remove(this);
    if (in_request_) {
        state_->request_finished();
    }
    --state_->connections;
}

template <class Stream>
void basic_session<Stream>::close_socket() noexcept {
    beast::error_code ec;
    tcp().socket().close(ec);
}

template <class Stream>
void basic_session<Stream>::evict() {
    net::post(stream_.get_executor(), [self = self()] { self->close_socket(); });
}

template <class Stream>
void basic_session<Stream>::run() {
    state_->add(self());
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&basic_session::start, self()));
}

template <class Stream>
void basic_session<Stream>::start() {
    if constexpr (is_tls) {
        // A client that never finishes the handshake holds its socket this long at most.
        tcp().expires_after(state_->cfg.limits.handshake_timeout);
        stream_.async_handshake(net::ssl::stream_base::server,
                                beast::bind_front_handler(&basic_session::on_handshake, self()));
    } else {
        begin();
    }
}

template <class Stream>
void basic_session<Stream>::on_handshake(beast::error_code ec) {
    if (ec) {
        log::info("TLS handshake failed", {{"remote", remote_}, {"error", ec.message()}});
        return close_socket();
    }
    begin();
}

template <class Stream>
void basic_session<Stream>::begin() {
    if (over_capacity_) {
        in_request_ = true;
        state_->request_started();
        started_ = std::chrono::steady_clock::now();
        request_id_ = pick_request_id({});
        method_ = target_ = "-";
        reject(problem{errc::overloaded, "too many open connections; retry shortly"}, true);
        return;
    }
    do_read();
}

template <class Stream>
void basic_session<Stream>::do_read() {
    if (state_->draining) {
        return do_close();
    }
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(state_->cfg.limits.max_header_bytes));
    parser_->body_limit(state_->cfg.limits.max_body_bytes);
    if (buffer_.size() > 0) {
        // A pipelined request is already here: its deadline starts now.
        tcp().expires_after(state_->cfg.limits.request_timeout);
        return do_read_header();
    }
    // Idle until the first byte: a new connection gets first_byte_timeout (a
    // socket that never sends a byte must not hold a descriptor for long), a
    // kept-alive one the idle deadline. Either may be closed sooner to make room.
    tcp().expires_after(served_ == 0 ? state_->cfg.limits.first_byte_timeout
                                     : state_->cfg.limits.keep_alive_timeout);
    state_->mark_idle(self());
    stream_.async_read_some(buffer_.prepare(4096),
                            beast::bind_front_handler(&basic_session::on_first_bytes, self()));
}

template <class Stream>
void basic_session<Stream>::on_first_bytes(beast::error_code ec, std::size_t n) {
    state_->mark_busy(this);
    if (ec) {
        return do_close();  // idle timeout, or the client went away between requests
    }
    buffer_.commit(n);
    tcp().expires_after(state_->cfg.limits.request_timeout);
    do_read_header();
}

template <class Stream>
void basic_session<Stream>::do_read_header() {
    verdict_ = gate_verdict{peer_, std::nullopt, std::chrono::seconds(0), false};
    route_ = metrics::route_label::other;
    in_request_ = true;
    state_->request_started();
    started_ = std::chrono::steady_clock::now();
    request_id_.clear();
    method_ = target_ = "-";
    beast::error_code ec;
    if (parse_buffered(*parser_, buffer_, false, ec) || ec) {
        return on_header(ec, 0);
    }
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&basic_session::on_header, self()));
}

template <class Stream>
void basic_session<Stream>::on_header(beast::error_code ec, std::size_t) {
    if (ec) {
        return on_read_error(ec);
    }
    const auto& h = parser_->get().base();
    // assign(), not a fresh string: a kept-alive connection reuses the capacity.
    const auto method = h.method_string();
    method_.assign(method.data(), method.size());
    // A token never reaches a log line, even one sent in the wrong place.
    gate_ = state_->gate.load();
    gate_->loggable_target(h.target(), target_);
    target_.resize(std::min<std::size_t>(target_.size(), 256));
    request_id_ = pick_request_id(h["X-Request-Id"]);

    if (auto p = check_framing(h)) {
        return reject(*p, true);
    }
    const std::string_view path = h.target().substr(0, h.target().find('?'));
    route_ = path == "/healthz"                           ? metrics::route_label::healthz
             : path == "/readyz"                          ? metrics::route_label::readyz
             : path == "/metrics"                         ? metrics::route_label::metrics
             : path.starts_with(state_->cfg.webhook_path) ? metrics::route_label::webhook
                                                          : metrics::route_label::other;
    // Health and metrics need no token and are never limited.
    verdict_ = gate_->check(
        h, peer_, route_ != metrics::route_label::webhook && route_ != metrics::route_label::other,
        std::chrono::steady_clock::now());
    if (verdict_.refusal) {
        // Answered before the body is read; an unread body closes the connection.
        return reject(*verdict_.refusal, !parser_->is_done(), verdict_.retry_after);
    }
    if (auto p = state_->endpoint.precheck(h)) {
        // An unread body would be taken for the next request: close unless there is none.
        return reject(*p, !parser_->is_done());
    }
    if (beast::iequals(h[bhttp::field::expect], "100-continue") && !parser_->is_done()) {
        continue_ = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                         h.version());
        return bhttp::async_write(stream_, *continue_,
                                  [self = self()](beast::error_code wec, std::size_t) {
                                      if (wec) {
                                          return self->do_close();
                                      }
                                      self->do_read_body();
                                  });
    }
    do_read_body();
}

template <class Stream>
void basic_session<Stream>::do_read_body() {
    beast::error_code ec;
    if (parse_buffered(*parser_, buffer_, true, ec) || ec) {
        return on_body(ec, 0);
    }
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&basic_session::on_body, self()));
}

template <class Stream>
void basic_session<Stream>::on_body(beast::error_code ec, std::size_t) {
    if (ec) {
        return on_read_error(ec);
    }
    std::optional<std::string_view> signed_id;
    if (verdict_.signature_pending) {
        auto checked = gate_->verify_signature(parser_->get().base(), parser_->get().body(),
                                               verdict_.client, std::chrono::system_clock::now(),
                                               std::chrono::steady_clock::now());
        if (auto* p = std::get_if<problem>(&checked)) {
            return reject(*p, false);
        }
        signed_id_ = std::move(std::get<std::string>(checked));
        signed_id = signed_id_;
    }
    // The answer may come from the store's writer thread: resume on this
    // connection's executor.
    state_->endpoint.handle(parser_->get(), request_id_, signed_id, [self = self()](answer a) {
        net::dispatch(self->stream_.get_executor(),
                      [self, a = std::move(a)]() mutable { self->on_answer(std::move(a)); });
    });
}

template <class Stream>
void basic_session<Stream>::on_answer(answer a) {
    ++served_;
    const bool close = !a.keep_alive || served_ >= state_->cfg.limits.max_requests_per_connection ||
                       state_->draining;
    send(std::move(a), close);
}

template <class Stream>
void basic_session<Stream>::on_read_error(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) {
        return reject(
            problem{errc::header_too_large, fmt::format("request header block is over {} bytes",
                                                        state_->cfg.limits.max_header_bytes)},
            true);
    }
    if (ec == bhttp::error::body_limit) {
        return reject(problem{errc::body_too_large, fmt::format("request body is over {} bytes",
                                                                state_->cfg.limits.max_body_bytes)},
                      true);
    }
    if (ec == beast::error::timeout) {
        access_log(408, 0);  // the stream has closed the socket; nothing can be sent
        return end_request();
    }
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
        ec == net::error::eof || ec == net::error::connection_reset ||
        ec == net::error::operation_aborted || ec == net::ssl::error::stream_truncated ||
        ec.category() == net::error::get_ssl_category()) {
        return end_request();  // the client went away mid-request
    }
    // Any other parser error is a malformed request (bad framing, bad chunk, ...).
    reject(problem{errc::bad_framing, fmt::format("malformed HTTP request: {}", ec.message())},
           true);
}

template <class Stream>
void basic_session<Stream>::reject(const problem& p, bool close, std::chrono::seconds retry_after) {
    request_header h;
    if (parser_ && parser_->is_header_done()) {
        h = parser_->get().base();
    } else {
        h.version(11);
    }
    auto a = state_->endpoint.error_answer(p, h);
    if (retry_after.count() > 0) {
        a.retry_after = retry_after;
    }
    if (p.code == errc::bad_framing || p.code == errc::header_too_large) {
        log::warn("rejected request", {{"request_id", request_id_},
                                       {"remote", remote_},
                                       {"error", code_name(p.code)},
                                       {"message", p.message}});
    }
    send(std::move(a), close);
}

template <class Stream>
void basic_session<Stream>::send(answer a, bool close) {
    if (request_id_.empty()) {
        request_id_ = pick_request_id({});
    }
    if (close) {
        a.keep_alive = false;
    }
    serialize_answer(a, request_id_, wire_);
    answer_status_ = static_cast<unsigned>(a.status);
    answer_body_bytes_ = a.body.size();
    tcp().expires_after(state_->cfg.limits.request_timeout);
    net::async_write(stream_, net::buffer(wire_),
                     beast::bind_front_handler(&basic_session::on_write, self(), close));
}

template <class Stream>
void basic_session<Stream>::on_write(bool close, beast::error_code ec, std::size_t) {
    access_log(answer_status_, answer_body_bytes_);
    end_request();
    if (ec) {
        return;  // the socket is gone; nothing more to say
    }
    if (close) {
        return do_close();
    }
    do_read();
}

template <class Stream>
void basic_session<Stream>::end_request() {
    if (in_request_) {
        in_request_ = false;
        state_->request_finished();
    }
}

template <class Stream>
void basic_session<Stream>::do_close() {
    if constexpr (is_tls) {
        // close_notify, then the socket; a client that does not answer gets 2 s.
        tcp().expires_after(std::chrono::seconds(2));
        stream_.async_shutdown([self = self()](beast::error_code) { self->close_socket(); });
    } else {
        beast::error_code ec;
        tcp().socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    }
}

template <class Stream>
void basic_session<Stream>::access_log(unsigned status, std::size_t resp_bytes) {
    const auto elapsed = std::chrono::steady_clock::now() - started_;
    metrics::get().request(route_, status, std::chrono::duration<double>(elapsed).count());
    if (!log::get().enabled(log::level::info)) {
        return;
    }
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    std::size_t req_bytes = 0;
    if (parser_ && parser_->is_header_done()) {
        req_bytes = parser_->get().body().size();
    }
    // Fields in the order write() would give them (sorted), so both paths read alike.
    log::get().write_with(log::level::info, "request", [&](log::line_fields& f) {
        if (verdict_.client != peer_) {
            f.str("client", security::ip_to_string(verdict_.client));  // through a proxy
        }
        f.num("duration_us", static_cast<std::int64_t>(us))
            .str("method", method_)
            .str("path", target_)
            .str("remote", remote_)
            .num("req_bytes", static_cast<std::uint64_t>(req_bytes))
            .str("request_id", request_id_)
            .num("resp_bytes", static_cast<std::uint64_t>(resp_bytes))
            .num("status", static_cast<std::uint64_t>(status));
    });
}

template class basic_session<beast::tcp_stream>;
template class basic_session<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace solarhook::http
