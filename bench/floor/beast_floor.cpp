// The floor of what Boost.Beast and Asio cost on this machine: solarhook's read and
// write path (one io thread, tcp_stream with a deadline, a fresh parser per request
// with body and header limits, bytes already in the buffer parsed at once, the
// answer written as prepared bytes, keep-alive) with no decoding, dedup, queue,
// store or logging. bench/run measures it beside nginx so that solarhook's distance
// from nginx splits into what the HTTP library costs and what solarhook's own work
// costs.
// Usage: beast_floor PORT
#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string_view>

#include "solarhook/http/buffered_parse.hpp"

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
        parse_or_read();
    }
    void parse_or_read() {
        beast::error_code ec;
        if (solarhook::http::parse_buffered(*parser_, buffer_, true, ec)) {
            return answer();
        }
        if (ec) {
            return;  // a malformed request: drop the connection
        }
        stream_.async_read_some(buffer_.prepare(16 * 1024),
                                beast::bind_front_handler(&session::on_read, shared_from_this()));
    }
    void on_read(beast::error_code ec, std::size_t n) {
        if (ec) {
            return;
        }
        buffer_.commit(n);
        parse_or_read();
    }
    void answer() {
        static constexpr std::string_view k_keep_alive =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK";
        static constexpr std::string_view k_close =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
            "Connection: close\r\n\r\nOK";
        keep_alive_ = parser_->get().keep_alive();
        const auto bytes = keep_alive_ ? k_keep_alive : k_close;
        asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()),
                          beast::bind_front_handler(&session::on_write, shared_from_this()));
    }
    void on_write(beast::error_code ec, std::size_t) {
        if (ec || !keep_alive_) {
            return;
        }
        do_read();
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    bool keep_alive_ = true;
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
