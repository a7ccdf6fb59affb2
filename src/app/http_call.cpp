#include "solarhook/app/http_call.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <memory>
#include <optional>
#include <stdexcept>

#include "solarhook/sinks/http_sink.hpp"

namespace solarhook::app {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace {

// One exchange as do_x/on_x steps on an io_context the caller runs; the first
// error ends it. Callbacks, not coroutines: clang 14 (the fuzz build) cannot
// compile Asio's coroutines with sanitizer coverage.
template <class Stream>
class exchange : public std::enable_shared_from_this<exchange<Stream>> {
  public:
    exchange(Stream& stream, bhttp::request<bhttp::string_body>& req,
             std::optional<http_result>& result, beast::error_code& ec)
        : stream_(stream), req_(req), result_(result), ec_(ec) {
        parser_.body_limit(1 << 20);
    }
    void run() {
        bhttp::async_write(stream_, req_,
                           [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               self->on_write(ec);
                           });
    }

  private:
    void on_write(beast::error_code ec) {
        if (ec) {
            ec_ = ec;
            return;
        }
        bhttp::async_read(stream_, buffer_, parser_,
                          [self = this->shared_from_this()](beast::error_code rec, std::size_t) {
                              self->on_read(rec);
                          });
    }
    void on_read(beast::error_code ec) {
        if (ec) {
            ec_ = ec;
            return;
        }
        result_ = http_result{static_cast<int>(parser_.get().result_int()), parser_.get().body()};
    }
    Stream& stream_;
    bhttp::request<bhttp::string_body>& req_;
    std::optional<http_result>& result_;
    beast::error_code& ec_;
    beast::flat_buffer buffer_;
    bhttp::response_parser<bhttp::string_body> parser_;
};

}  // namespace

http_result http_post(const std::string& url, const std::string& body,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      std::chrono::milliseconds timeout, const std::string& ca_file) {
    sinks::http_url u;
    try {
        u = sinks::parse_http_url(url);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(fmt::format("{}: {}", url, e.what()));
    }
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, u.target, 11};
    req.set(bhttp::field::host, u.host);
    req.set(bhttp::field::user_agent, "solarhook/" SOLARHOOK_VERSION);
    req.set(bhttp::field::content_type, "application/json");
    for (const auto& [k, v] : headers) {
        req.set(k, v);
    }
    req.body() = body;
    req.prepare_payload();

    net::io_context ioc;
    beast::error_code ec;
    const auto endpoints = net::ip::tcp::resolver(ioc).resolve(u.host, u.port, ec);
    if (ec) {
        throw std::runtime_error(
            fmt::format("{}: cannot resolve {}: {}", url, u.host, ec.message()));
    }
    std::optional<http_result> result;
    net::ssl::context tls(net::ssl::context::tls_client);
    beast::tcp_stream tcp(ioc);
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    tcp.expires_after(timeout);  // one deadline for the whole exchange
    tcp.async_connect(endpoints, [&](beast::error_code cec, const net::ip::tcp::endpoint&) {
        if (cec) {
            ec = cec;
            return;
        }
        if (!u.tls) {
            std::make_shared<exchange<beast::tcp_stream>>(tcp, req, result, ec)->run();
            return;
        }
        tls.set_verify_mode(net::ssl::verify_peer);
        if (ca_file.empty()) {
            tls.set_default_verify_paths();
        } else {
            tls.load_verify_file(ca_file, ec);
            if (ec) {
                return;
            }
        }
        secure.emplace(std::move(tcp), tls);
        SSL_set_tlsext_host_name(secure->native_handle(), u.host.c_str());
        secure->set_verify_callback(net::ssl::host_name_verification(u.host));
        secure->async_handshake(net::ssl::stream_base::client, [&](beast::error_code hec) {
            if (hec) {
                ec = hec;
                return;
            }
            std::make_shared<exchange<beast::ssl_stream<beast::tcp_stream>>>(*secure, req, result,
                                                                             ec)
                ->run();
        });
    });
    ioc.run();
    if (ec) {
        throw std::runtime_error(fmt::format(
            "{}: {}", url,
            ec == beast::error::timeout ? fmt::format("no answer within {} ms", timeout.count())
                                        : ec.message()));
    }
    if (!result) {
        throw std::runtime_error(fmt::format("{}: no answer", url));
    }
    return *result;
}

}  // namespace solarhook::app
