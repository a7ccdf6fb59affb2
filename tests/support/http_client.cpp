#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cerrno>
#include <stdexcept>

namespace solarhook::test {
namespace bhttp = boost::beast::http;

raw_connection::raw_connection(std::uint16_t port, std::chrono::milliseconds timeout)
    : timeout_(timeout) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
    }
}

raw_connection::~raw_connection() {
    ::close(fd_);
}

void raw_connection::send(const std::string& bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
        const auto n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            throw std::runtime_error("send failed: the peer closed the connection");
        }
        off += static_cast<std::size_t>(n);
    }
}

raw_connection::read_status raw_connection::read_more(
    std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return read_status::timeout;
        }
        pollfd p{fd_, POLLIN, 0};
        const int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return read_status::timeout;
        }
        char chunk[8192];
        const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return read_status::eof;  // orderly close or reset
        }
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return read_status::data;
    }
}

std::optional<http_reply> raw_connection::read_reply() {
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(16 << 20);
    parser.eager(true);
    for (;;) {
        if (!buffer_.empty()) {
            boost::system::error_code ec;
            const auto used = parser.put(boost::asio::buffer(buffer_), ec);
            buffer_.erase(0, used);
            if (ec && ec != bhttp::error::need_more) {
                return std::nullopt;
            }
            if (parser.is_done()) {
                break;
            }
            if (!ec && used > 0) {
                continue;
            }
        }
        const auto st = read_more(deadline);
        if (st == read_status::timeout) {
            return std::nullopt;
        }
        if (st == read_status::eof) {
            if (!parser.got_some()) {
                return std::nullopt;  // closed before any byte of an answer
            }
            boost::system::error_code ec;
            parser.put_eof(ec);
            if (ec || !parser.is_done()) {
                return std::nullopt;
            }
            break;
        }
    }
    const auto& msg = parser.get();
    http_reply r;
    r.status = static_cast<int>(msg.result_int());
    for (const auto& f : msg) {
        std::string name(f.name_string());
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        r.headers[name] = std::string(f.value());
    }
    r.body = msg.body();
    return r;
}

bool raw_connection::closed_by_peer() {
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    for (;;) {
        buffer_.clear();
        switch (read_more(deadline)) {
            case read_status::eof:
                return true;
            case read_status::timeout:
                return false;
            case read_status::data:
                break;  // discard and keep waiting for the close
        }
    }
}

http_reply request(std::uint16_t port, const std::string& method, const std::string& target,
                   const std::string& body, const std::map<std::string, std::string>& headers) {
    raw_connection c(port);
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& [k, v] : headers) {
        req += k + ": " + v + "\r\n";
    }
    if (!body.empty() || method == "POST") {
        req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    req += "Connection: close\r\n\r\n" + body;
    c.send(req);
    auto r = c.read_reply();
    if (!r) {
        throw std::runtime_error("no HTTP response from 127.0.0.1:" + std::to_string(port) +
                                 target);
    }
    return *r;
}

}  // namespace solarhook::test
