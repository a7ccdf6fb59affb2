#include "solarhook/sinks/http_sink.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <ctime>
#include <stdexcept>

namespace solarhook::sinks {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using namespace std::chrono;

http_url parse_http_url(const std::string& url) {
    http_url u;
    std::string_view rest(url);
    if (std::any_of(rest.begin(), rest.end(),
                    [](unsigned char c) { return c <= 0x20 || c == 0x7f; })) {
        throw std::invalid_argument("the URL holds a space, line break or control character");
    }
    if (rest.starts_with("https://")) {
        u.tls = true;
        rest.remove_prefix(8);
    } else if (rest.starts_with("http://")) {
        rest.remove_prefix(7);
    } else {
        throw std::invalid_argument("the URL must start with http:// or https://");
    }
    const auto slash = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, slash);
    u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (const auto hash = u.target.find('#'); hash != std::string::npos) {
        u.target.erase(hash);
    }
    if (u.target.empty() || u.target[0] == '?') {
        u.target.insert(0, "/");
    }
    if (authority.find('@') != std::string_view::npos) {
        throw std::invalid_argument("credentials in the URL are not supported: use headers");
    }
    if (authority.starts_with("[")) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            throw std::invalid_argument("an IPv6 host must be in brackets: [::1]");
        }
        u.host = std::string(authority.substr(1, close - 1));
        authority.remove_prefix(close + 1);
        if (!authority.empty() && authority[0] != ':') {
            throw std::invalid_argument("unexpected text after the IPv6 host");
        }
    } else {
        const auto colon = authority.find(':');
        u.host = std::string(authority.substr(0, colon));
        authority.remove_prefix(colon == std::string_view::npos ? authority.size() : colon);
    }
    if (!authority.empty()) {
        u.port = std::string(authority.substr(1));
        unsigned p = 0;
        const auto [ptr, ec] = std::from_chars(u.port.data(), u.port.data() + u.port.size(), p);
        if (ec != std::errc{} || ptr != u.port.data() + u.port.size() || p == 0 || p > 65535) {
            throw std::invalid_argument(fmt::format("port \"{}\" is not 1-65535", u.port));
        }
    } else {
        u.port = u.tls ? "443" : "80";
    }
    if (u.host.empty()) {
        throw std::invalid_argument("the URL has no host");
    }
    return u;
}

std::optional<milliseconds> parse_retry_after(const std::string& value, clock::time_point now) {
    if (value.empty()) {
        return std::nullopt;
    }
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        std::uint64_t s = 0;
        const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), s);
        if (ec != std::errc{}) {
            return milliseconds(std::numeric_limits<std::int32_t>::max());
        }
        return milliseconds(std::min<std::uint64_t>(s, 365ull * 86400) * 1000);
    }
    std::tm tm{};
    const char* end = ::strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == nullptr || *end != '\0') {
        return std::nullopt;
    }
    const auto at = std::chrono::system_clock::from_time_t(::timegm(&tm));
    return std::max(milliseconds(0), duration_cast<milliseconds>(at - now));
}

deliver::attempt_kind classify_status(int status) noexcept {
    if (status >= 200 && status < 300) {
        return deliver::attempt_kind::success;
    }
    if (status == 408 || status == 425 || status == 429 || status >= 500) {
        return deliver::attempt_kind::retry;
    }
    return deliver::attempt_kind::permanent;
}

struct http_sink::connection {
    connection(asio::io_context& io, asio::ssl::context& tls, bool secure) {
        if (secure) {
            ssl = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io, tls);
        } else {
            plain = std::make_unique<beast::tcp_stream>(io);
        }
    }
    beast::tcp_stream& tcp() { return ssl ? beast::get_lowest_layer(*ssl) : *plain; }
    template <class F>
    void with_stream(F&& f) {
        if (ssl) {
            f(*ssl);
        } else {
            f(*plain);
        }
    }
    std::unique_ptr<beast::tcp_stream> plain;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> ssl;
    beast::flat_buffer buffer;
};

// One attempt: a request, the connection it goes on, and the answer.
struct http_sink::exchange : std::enable_shared_from_this<exchange> {
    http_sink* sink = nullptr;
    std::shared_ptr<bool> alive;
    // Shared with the sink (a fixed URL) or this attempt's own: never copied per attempt.
    std::shared_ptr<const request_head> request;
    std::string length;  // the Content-Length value and the blank line
    std::string body;
    std::optional<http::response_parser<http::string_body>> parser;
    std::shared_ptr<connection> conn;
    std::unique_ptr<tcp::resolver> resolver;
    bool reused = false;
    int interim = 0;  // 1xx answers read before the final one
    steady_clock::time_point deadline;
    std::function<void(deliver::attempt_result)> done;

    milliseconds left() const {
        return std::max(milliseconds(1),
                        duration_cast<milliseconds>(deadline - steady_clock::now()));
    }

    void finish(deliver::attempt_result r) {
        if (done) {
            auto d = std::move(done);
            done = nullptr;
            d(std::move(r));
        }
    }

    void fail(const error_code& ec, std::string_view during) {
        std::string why = ec == beast::error::timeout
                              ? fmt::format("timed out after {} ms ({})",
                                            sink->sink_.config.timeout.count(), during)
                              : fmt::format("{} {}:{}: {}", during, request->url.host,
                                            request->url.port, ec.message());
        if (during == "TLS handshake with" && conn && conn->ssl) {
            const long v = SSL_get_verify_result(conn->ssl->native_handle());
            if (v != X509_V_OK) {
                why += fmt::format(" (certificate: {})", X509_verify_cert_error_string(v));
            }
        }
        finish(deliver::attempt_result{deliver::attempt_kind::retry, std::move(why), {}, {}, {}});
    }

    void begin() {
        if (auto idle = sink->take_idle_(request->key)) {
            conn = std::move(idle);
            reused = true;
            write();
            return;
        }
        connect();
    }

    void connect() {
        reused = false;
        conn = std::make_shared<connection>(sink->io_, sink->tls_, request->url.tls);
        resolver = std::make_unique<tcp::resolver>(sink->io_);
        resolver->async_resolve(
            request->url.host, request->url.port,
            [self = shared_from_this()](const error_code& ec, tcp::resolver::results_type r) {
                if (ec) {
                    return self->fail(ec, "resolving");
                }
                self->conn->tcp().expires_after(self->left());
                self->conn->tcp().async_connect(
                    r, [self](const error_code& ec2, const tcp::endpoint&) {
                        if (ec2) {
                            return self->fail(ec2, "connecting to");
                        }
                        self->handshake();
                    });
            });
    }

    void handshake() {
        if (!conn->ssl) {
            return write();
        }
        auto* ssl = conn->ssl->native_handle();
        error_code ec;
        if (SSL_set_tlsext_host_name(ssl, request->url.host.c_str()) != 1) {
            ec.assign(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
            return fail(ec, "setting SNI for");
        }
        if (sink->sink_.config.tls_verify) {
            conn->ssl->set_verify_mode(asio::ssl::verify_peer);
            conn->ssl->set_verify_callback(asio::ssl::host_name_verification(request->url.host),
                                           ec);
        } else {
            conn->ssl->set_verify_mode(asio::ssl::verify_none);
        }
        conn->tcp().expires_after(left());
        conn->ssl->async_handshake(asio::ssl::stream_base::client,
                                   [self = shared_from_this()](const error_code& ec2) {
                                       if (ec2) {
                                           return self->fail(ec2, "TLS handshake with");
                                       }
                                       self->write();
                                   });
    }

    void write() {
        conn->tcp().expires_after(left());
        conn->with_stream([&](auto& s) {
            asio::async_write(
                s,
                std::array<asio::const_buffer, 3>{asio::buffer(request->text), asio::buffer(length),
                                                  asio::buffer(body)},
                [self = shared_from_this()](const error_code& ec, std::size_t) {
                    if (ec) {
                        return self->retry_fresh_or_fail(ec, "writing to");
                    }
                    self->read();
                });
        });
    }

    void read() {
        parser.emplace();
        parser->body_limit(k_response_limit);
        conn->tcp().expires_after(left());
        conn->with_stream([&](auto& s) {
            http::async_read(s, conn->buffer, *parser,
                             [self = shared_from_this()](const error_code& ec, std::size_t n) {
                                 self->on_read(ec, n);
                             });
        });
    }

    // A kept-alive connection the server closed meanwhile fails before any answer:
    // that is no answer from the server, so the request goes once more on a new one.
    void retry_fresh_or_fail(const error_code& ec, std::string_view during) {
        if (reused && (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                       ec == asio::error::broken_pipe || ec == asio::error::eof)) {
            return connect();
        }
        fail(ec, during);
    }

    void on_read(const error_code& ec, std::size_t) {
        // Once the status line and headers are in, the server has answered: a body cut
        // short (closed, reset, stalled past the timeout, or past the read limit) keeps
        // that answer, so a 200 is not sent again. The connection is not reused.
        if (ec && !parser->is_header_done()) {
            if (!parser->got_some() && interim == 0) {
                return retry_fresh_or_fail(ec, "reading from");
            }
            return fail(ec, "reading from");
        }
        auto& res = parser->get();
        const int status = static_cast<int>(res.result_int());
        // An interim answer (103 Early Hints, 102 Processing) precedes the final one on
        // the same connection (RFC 9110 15.2): taking it for the answer would mark the
        // delivery by it and leave the final answer to be read as the next request's.
        if (!ec && status >= 100 && status < 200 && status != 101) {
            if (++interim > k_interim_max) {
                return finish(deliver::attempt_result{
                    deliver::attempt_kind::retry,
                    fmt::format("reading from {}:{}: more than {} interim (1xx) responses",
                                request->url.host, request->url.port, k_interim_max),
                    {},
                    {},
                    {}});
            }
            return read();
        }
        deliver::attempt_result r;
        r.status = status;
        r.kind = classify_status(status);
        r.response = res.body().substr(0, k_response_kept);
        if (status >= 300 && status < 400) {
            r.error = fmt::format("HTTP {}: redirect to {} not followed", status,
                                  std::string(res[http::field::location]));
        } else if (r.kind != deliver::attempt_kind::success) {
            r.error = fmt::format("HTTP {}", status);
            if (r.kind == deliver::attempt_kind::retry) {
                r.retry_after = parse_retry_after(std::string(res[http::field::retry_after]),
                                                  sink->clock_.now());
            }
        }
        if (!ec && status >= 200 && res.keep_alive() && *alive) {
            sink->give_back_(request->key, std::move(conn));
        }
        finish(std::move(r));
    }
};

const clock& http_sink::default_clock() {
    static const solarhook::system_clock c;
    return c;
}

http_sink::http_sink(const route::compiled_sink& sink, asio::io_context& io, const clock& clk)
    : sink_(sink), io_(io), clock_(clk), tls_(asio::ssl::context::tls_client) {
    tls_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1);
    // The system CA store (OpenSSL's default paths, which SSL_CERT_FILE overrides).
    tls_.set_default_verify_paths();
    if (sink_.url && !sink_.url->has_placeholders()) {
        try {
            fixed_head_ = std::make_shared<const request_head>(
                head_for_(parse_http_url(sink_.url->render(nlohmann::json::object()))));
        } catch (const std::exception&) {
            // Left to start(), which turns it into each delivery's permanent error.
        }
    }
}

http_sink::~http_sink() {
    *alive_ = false;
}

std::shared_ptr<http_sink::connection> http_sink::take_idle_(const std::string& key) {
    auto it = idle_.find(key);
    if (it == idle_.end() || it->second.empty()) {
        return nullptr;
    }
    auto c = std::move(it->second.back());
    it->second.pop_back();
    return c;
}

void http_sink::give_back_(const std::string& key, std::shared_ptr<connection> c) {
    auto& pool = idle_[key];
    if (closed_ || pool.size() >= sink_.config.max_in_flight) {
        return;  // dropped: the stream closes with it
    }
    c->tcp().expires_never();
    pool.push_back(std::move(c));
}

void http_sink::close() {
    closed_ = true;
    idle_.clear();
}

http_sink::request_head http_sink::head_for_(http_url url) const {
    request_head h;
    h.key = fmt::format("{}://{}:{}", url.tls ? "https" : "http", url.host, url.port);
    const bool default_port = url.port == (url.tls ? "443" : "80");
    const bool v6 = url.host.find(':') != std::string::npos;
    const auto host = v6 ? "[" + url.host + "]" : url.host;
    // Written once per URL rather than through a Beast message per request: the
    // same bytes, without a field list to build and walk on every delivery. Names
    // and values were checked at load (config/routing.cpp): no line breaks.
    const auto& headers = sink_.config.headers;
    const auto configured = [&headers](std::string_view name) {
        return std::any_of(headers.begin(), headers.end(),
                           [name](const auto& kv) { return beast::iequals(kv.first, name); });
    };
    h.text = fmt::format("{} {} HTTP/1.1\r\n", sink_.config.method, url.target);
    const std::pair<std::string_view, std::string> defaults[] = {
        {"Host", default_port ? host : host + ":" + url.port},
        {"User-Agent", "solarhook/" SOLARHOOK_VERSION},
        {"Content-Type", "application/json"}};
    for (const auto& [name, value] : defaults) {
        if (!configured(name)) {
            fmt::format_to(std::back_inserter(h.text), "{}: {}\r\n", name, value);
        }
    }
    for (const auto& [name, value] : headers) {
        fmt::format_to(std::back_inserter(h.text), "{}: {}\r\n", name, value);
    }
    h.text += "Content-Length: ";
    h.url = std::move(url);
    return h;
}

void http_sink::start(const nlohmann::json& normalized,
                      std::function<void(deliver::attempt_result)> done) {
    auto x = std::make_shared<exchange>();
    x->sink = this;
    x->alive = alive_;
    x->done = std::move(done);
    x->deadline = steady_clock::now() + sink_.config.timeout;
    if (fixed_head_) {
        x->request = fixed_head_;
    } else {
        try {
            x->request = std::make_shared<const request_head>(
                head_for_(parse_http_url(sink_.url->render(normalized, route::text_escape::url))));
        } catch (const std::exception& e) {
            asio::post(io_, [x, why = std::string(e.what())] {
                x->finish(deliver::attempt_result{
                    deliver::attempt_kind::permanent, "bad URL: " + why, {}, {}, {}});
            });
            return;
        }
    }
    const auto text = [](const nlohmann::json& j) {
        return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    // The event is dumped where it is, never copied: it holds the whole raw payload.
    x->body = sink_.body ? text(sink_.body->render(normalized)) : text(normalized);
    x->length = fmt::format("{}\r\n\r\n", x->body.size());
    x->begin();
}

}  // namespace solarhook::sinks
