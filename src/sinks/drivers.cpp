#include "solarhook/sinks/drivers.hpp"

#include <stdexcept>

#include "solarhook/sinks/exec_sink.hpp"
#include "solarhook/sinks/file_sink.hpp"
#include "solarhook/sinks/http_sink.hpp"

namespace solarhook::sinks {

std::unique_ptr<deliver::sink_driver> make_driver(const route::compiled_sink& sink,
                                                  boost::asio::io_context& io) {
    switch (sink.config.kind) {
        case sink_kind::file:
            return std::make_unique<file_sink>(sink.config, io);
        case sink_kind::exec:
            return std::make_unique<exec_sink>(sink, io);
        case sink_kind::http:
            return std::make_unique<http_sink>(sink, io);
        case sink_kind::log:
            break;
    }
    throw std::invalid_argument("this build has no driver for the sink " + sink.config.name);
}

}  // namespace solarhook::sinks
