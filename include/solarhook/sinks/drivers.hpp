// Builds the driver for one configured sink (http, exec or file): the engine's
// driver_factory. The log sink has none; the workers write it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>

#include "solarhook/deliver/delivery.hpp"
#include "solarhook/route/router.hpp"

namespace solarhook::sinks {

std::unique_ptr<deliver::sink_driver> make_driver(const route::compiled_sink& sink,
                                                  boost::asio::io_context& io);

}  // namespace solarhook::sinks
