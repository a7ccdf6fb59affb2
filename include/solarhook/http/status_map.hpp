// The one table from protocol-neutral failure kinds to HTTP statuses, and the
// JSON error body every failure is answered with.
#pragma once

#include <boost/beast/http/status.hpp>
#include <string>

#include "solarhook/core/error.hpp"

namespace solarhook::http {

boost::beast::http::status to_status(errc e) noexcept;

// {"error":"<code>","message":"...","details":[...]}
std::string error_body(const problem& p);

}  // namespace solarhook::http
