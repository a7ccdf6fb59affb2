// The floor of what Boost.Beast costs on this machine: the same listener shape as
// solarhook's server (one io thread, tcp_stream, a fresh parser per request with
// body and header limits, keep-alive) but no decoding, dedup, queue, store or
// logging: it reads each request whole and answers 200 "OK". bench/run measures
// it beside nginx so that solarhook's distance from nginx splits into what the
// HTTP library costs and what solarhook's own work costs.
// Usage: beast_floor PORT
#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class session : public std::enable_shared_from_this<session> {
  public:
    explicit session(tcp::socket socket) : stream_(std::move(socket)) {}
    void run() { do_read(); }

  private:
    void do_read() {
        parser_.emplace();
        parser_->body_limit(64 * 1024);
        parser_->header_limit(8 * 1024);
        stream_.expires_after(std::chrono::seconds(10));
        http::async_read(stream_, buffer_, *parser_,
                         beast::bind_front_handler(&session::on_read, shared_from_this()));
    }
    void on_read(beast::error_code ec, std::size_t) {
        if (ec) {
            return;
        }
        const auto& req = parser_->get();
        res_ = {};
        res_.result(http::status::ok);
        res_.version(req.version());
        res_.keep_alive(req.keep_alive());
        res_.set(http::field::content_type, "text/plain");
        res_.body() = "OK";
        res_.prepare_payload();
        http::async_write(stream_, res_,
                          beast::bind_front_handler(&session::on_write, shared_from_this()));
    }
    void on_write(beast::error_code ec, std::size_t) {
        if (ec || !res_.keep_alive()) {
            return;
        }
        do_read();
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> res_;
};

void do_accept(tcp::acceptor& acceptor) {
    acceptor.async_accept([&acceptor](beast::error_code ec, tcp::socket socket) {
        if (!ec) {
            std::make_shared<session>(std::move(socket))->run();
        }
        do_accept(acceptor);
    });
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: beast_floor PORT\n";
        return 2;
    }
    asio::io_context ioc(1);
    tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"),
                                 static_cast<unsigned short>(std::atoi(argv[1]))});
    do_accept(acceptor);
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
    ioc.run();
}
