#include "solarhook/pipeline/handler.hpp"

#include <exception>

#include "solarhook/log/structured.hpp"

namespace solarhook {

bool handler::deliver(const queued_event& ev, std::string* error) noexcept {
    std::string what;
    try {
        handle_(ev);
        return true;
    } catch (const std::exception& e) {
        what = e.what();
    } catch (...) {
        what = "unknown exception";
    }
    ++failures_;
    if (error != nullptr) {
        try {
            *error = what;
        } catch (...) {
        }
    }
    log::error("handler failed", {{"handler", name()},
                                  {"type", ev.event.type_label},
                                  {"key", ev.key},
                                  {"request_id", ev.request_id},
                                  {"error", what}});
    return false;
}

bool handler::flush(std::string* error) noexcept {
    std::string what;
    try {
        flush_();
        return true;
    } catch (const std::exception& e) {
        what = e.what();
    } catch (...) {
        what = "unknown exception";
    }
    ++failures_;
    if (error != nullptr) {
        try {
            *error = what;
        } catch (...) {
        }
    }
    log::error("handler flush failed", {{"handler", name()}, {"error", what}});
    return false;
}

}  // namespace solarhook
