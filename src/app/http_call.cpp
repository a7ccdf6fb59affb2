#include "solarhook/app/http_call.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <exception>
#include <stdexcept>

#include "solarhook/sinks/http_sink.hpp"

namespace solarhook::app {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using net::use_awaitable;

namespace {

template <class Stream>
net::awaitable<http_result> exchange(Stream& stream, bhttp::request<bhttp::string_body>& req) {
    co_await bhttp::async_write(stream, req, use_awaitable);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1 << 20);
    co_await bhttp::async_read(stream, buffer, parser, use_awaitable);
    co_return http_result{static_cast<int>(parser.get().result_int()), parser.get().body()};
}

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
    net::ssl::context tls(net::ssl::context::tls_client);
    std::optional<http_result> result;
    std::exception_ptr failure;
    net::co_spawn(
        ioc,
        [&]() -> net::awaitable<void> {
            net::ip::tcp::resolver resolver(ioc);
            const auto endpoints = co_await resolver.async_resolve(u.host, u.port, use_awaitable);
            beast::tcp_stream tcp(ioc);
            tcp.expires_after(timeout);
            co_await tcp.async_connect(endpoints, use_awaitable);
            if (!u.tls) {
                result = co_await exchange(tcp, req);
                co_return;
            }
            tls.set_verify_mode(net::ssl::verify_peer);
            if (ca_file.empty()) {
                tls.set_default_verify_paths();
            } else {
                tls.load_verify_file(ca_file);
            }
            beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), tls);
            SSL_set_tlsext_host_name(stream.native_handle(), u.host.c_str());
            stream.set_verify_callback(net::ssl::host_name_verification(u.host));
            co_await stream.async_handshake(net::ssl::stream_base::client, use_awaitable);
            result = co_await exchange(stream, req);
        },
        [&](std::exception_ptr e) { failure = e; });
    ioc.run();
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const boost::system::system_error& e) {
            throw std::runtime_error(
                fmt::format("{}: {}", url,
                            e.code() == beast::error::timeout
                                ? fmt::format("no answer within {} ms", timeout.count())
                                : e.code().message()));
        }
    }
    if (!result) {
        throw std::runtime_error(fmt::format("{}: no answer", url));
    }
    return *result;
}

}  // namespace solarhook::app
