// The listener's TLS settings, for operators without a proxy in front: TLS 1.2
// and 1.3 only, forward-secret AEAD ciphers for 1.2 (Mozilla's "intermediate"),
// session tickets on, the certificate chain and key from PEM files. Built anew
// on SIGHUP so a renewed certificate needs no restart.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

namespace solarhook::http {

// Throws std::runtime_error naming the file and OpenSSL's reason.
std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(const std::string& cert_file,
                                                                   const std::string& key_file);

}  // namespace solarhook::http
