#include "solarhook/http/server.hpp"

#include <fmt/format.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "solarhook/core/thread_name.hpp"
#include "solarhook/http/tls_context.hpp"
#include "solarhook/log/structured.hpp"

namespace solarhook::http {
namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

std::size_t run_io_thread(net::io_context& ioc) noexcept {
    std::size_t caught = 0;
    for (;;) {
        try {
            ioc.run();
            return caught;
        } catch (const std::exception& e) {
            ++caught;
            log::error("an io handler threw; its connection is dropped", {{"error", e.what()}});
        } catch (...) {
            ++caught;
            log::error("an io handler threw; its connection is dropped",
                       {{"error", "unknown exception"}});
        }
    }
}

server::server(const config& cfg, webhook_endpoint& endpoint)
    : cfg_(cfg),
      ioc_(static_cast<int>(cfg.io_threads)),
      acceptor_(net::make_strand(ioc_)),
      accept_retry_(acceptor_.get_executor()),
      heartbeat_(ioc_),
      state_(std::make_shared<server_state>(cfg, endpoint)) {}

server::~server() {
    stop();
}

void server::start() {
    if (cfg_.security.tls_enabled()) {
        tls_ = make_server_tls_context(cfg_.security.cert_file, cfg_.security.key_file);
    }
    boost::system::error_code ec;
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(cfg_.listen_host, std::to_string(cfg_.listen_port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) {
        throw std::system_error(ec, fmt::format("cannot resolve listen host {}", cfg_.listen_host));
    }
    const tcp::endpoint ep = results.begin()->endpoint();
    auto check = [&](const char* what) {
        if (ec) {
            throw std::system_error(
                ec, fmt::format("{} {}:{}", what, ep.address().to_string(), ep.port()));
        }
    };
    acceptor_.open(ep.protocol(), ec);
    check("cannot open a socket for");
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    check("cannot set SO_REUSEADDR on");
    acceptor_.bind(ep, ec);
    check("cannot bind");
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    check("cannot listen on");
    acceptor_.non_blocking(true, ec);  // the accept burst in on_accept must not block
    check("cannot make non-blocking");
    port_ = acceptor_.local_endpoint().port();

    do_accept();
    threads_.reserve(cfg_.io_threads);
    for (unsigned i = 0; i < cfg_.io_threads; ++i) {
        threads_.emplace_back([this] {
            name_this_thread("sh-io");
            run_io_thread(ioc_);
        });
    }
}

net::any_io_executor server::session_executor() {
    // With one io thread, handlers already run one at a time in order; a strand
    // per connection would only add a lock and a reference count per operation.
    // Answers from other threads still arrive through dispatch onto this executor.
    return cfg_.io_threads == 1 ? net::any_io_executor(ioc_.get_executor())
                                : net::any_io_executor(net::make_strand(ioc_));
}

void server::do_accept() {
    acceptor_.async_accept(session_executor(), beast::bind_front_handler(&server::on_accept, this));
}

void server::on_accept(boost::beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
        return;
    }
    if (ec) {
        // Out of descriptors: an idle connection makes room and accepting resumes at
        // once; with none idle, back off briefly instead of spinning on accept.
        auto idle = (ec == net::error::no_descriptors || ec.value() == ENFILE)
                        ? state_->take_longest_idle()
                        : nullptr;
        if (idle) {
            idle->evict();
        } else {
            log::error("accept failed", {{"error", ec.message()}});
        }
        accept_retry_.expires_after(std::chrono::milliseconds(idle ? 1 : 100));
        accept_retry_.async_wait([this](boost::beast::error_code wec) {
            if (!wec && acceptor_.is_open()) {
                do_accept();
            }
        });
        return;
    }
    start_session(std::move(socket));
    // At the cap each accept evicts an idle connection, whose descriptor is freed
    // on its own turn of the loop: accept one at a time then, or a burst would
    // run past the open-file limit.
    if (const auto open = state_->connections.load(); open < cfg_.limits.max_connections) {
        accept_waiting(
            acceptor_, std::min(k_accept_burst, cfg_.limits.max_connections - open),
            [this] { return tcp::socket(session_executor()); },
            [this](tcp::socket more) { start_session(std::move(more)); });
    }
    do_accept();
}

void server::start_session(tcp::socket socket) {
    bool over = ++state_->connections > cfg_.limits.max_connections;
    if (over) {
        // Room for a client with something to say: the connection idle the longest
        // goes first. Only when every one is mid-request is the newcomer refused.
        if (auto idle = state_->take_longest_idle()) {
            idle->evict();
            over = false;
        }
    }
    std::shared_ptr<boost::asio::ssl::context> tls;
    {
        std::lock_guard lock(tls_mutex_);
        tls = tls_;
    }
    if (tls) {
        std::make_shared<tls_session>(std::move(socket), std::move(tls), state_, over)->run();
    } else {
        std::make_shared<plain_session>(std::move(socket), nullptr, state_, over)->run();
    }
}

void server::reload_security(const config& fresh) {
    state_->gate.store(std::make_shared<access_gate>(fresh));
}

void server::reload_tls() {
    if (!cfg_.security.tls_enabled()) {
        return;
    }
    auto fresh = make_server_tls_context(cfg_.security.cert_file, cfg_.security.key_file);
    std::lock_guard lock(tls_mutex_);
    tls_ = std::move(fresh);
}

void server::heartbeat(std::chrono::microseconds every, std::function<void()> beat) {
    beat();
    heartbeat_.expires_after(every);
    heartbeat_.async_wait(
        [this, every, beat = std::move(beat)](boost::beast::error_code ec) mutable {
            if (!ec) {
                heartbeat(every, std::move(beat));
            }
        });
}

void server::begin_drain() {
    state_->draining = true;
    net::post(acceptor_.get_executor(), [this] {
        boost::system::error_code ec;
        acceptor_.close(ec);
        accept_retry_.cancel();
    });
}

bool server::wait_idle(std::chrono::milliseconds timeout) {
    return state_->wait_idle(timeout);
}

void server::stop() {
    ioc_.stop();
    for (auto& t : threads_) {
        if (t.joinable()) {
            t.join();
        }
    }
    threads_.clear();
    // Idle keep-alive connections would otherwise stay open until the io_context
    // is destroyed; with no io thread running, closing them here is race-free.
    state_->close_all();
}

}  // namespace solarhook::http
