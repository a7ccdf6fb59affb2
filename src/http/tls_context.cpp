#include "solarhook/http/tls_context.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <stdexcept>

namespace solarhook::http {
namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> make_server_tls_context(const std::string& cert_file,
                                                      const std::string& key_file) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use);
    SSL_CTX* native = ctx->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    // TLS 1.2: ECDHE with AES-GCM or ChaCha20 only. TLS 1.3's suites are all modern.
    if (SSL_CTX_set_cipher_list(native,
                                "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305") != 1) {
        throw std::runtime_error("OpenSSL refused the TLS 1.2 cipher list");
    }
    SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE);
    boost::system::error_code ec;
    ctx->use_certificate_chain_file(cert_file, ec);
    if (ec) {
        throw std::runtime_error(fmt::format("tls.cert_file {}: not a PEM certificate chain ({})",
                                             cert_file, ec.message()));
    }
    ctx->use_private_key_file(key_file, ssl::context::pem, ec);
    if (ec) {
        throw std::runtime_error(
            fmt::format("tls.key_file {}: not a PEM private key ({})", key_file, ec.message()));
    }
    if (SSL_CTX_check_private_key(native) != 1) {
        throw std::runtime_error(
            fmt::format("tls.key_file {} is not the key of tls.cert_file {}", key_file, cert_file));
    }
    return ctx;
}

}  // namespace solarhook::http
