#include "solarhook/pipeline/handler.hpp"

#include <exception>
#include <optional>

#include "solarhook/log/structured.hpp"

namespace solarhook {
namespace {

// Runs f; what it threw, as text, or nullopt when it returned.
template <class F>
std::optional<std::string> failure_of(F&& f) {
    try {
        f();
        return std::nullopt;
    } catch (const std::exception& e) {
        return std::string(e.what());
    } catch (...) {
        return std::string("unknown exception");
    }
}

void hand_back(const std::string& what, std::string* error) noexcept {
    if (error != nullptr) {
        try {
            *error = what;
        } catch (...) {
        }
    }
}

}  // namespace

bool handler::deliver(const queued_event& ev, std::string* error) noexcept {
    try {
        const auto what = failure_of([&] { handle_(ev); });
        if (!what) {
            return true;
        }
        ++failures_;
        hand_back(*what, error);
        log::error("handler failed", {{"handler", name()},
                                      {"type", ev.event.type_label},
                                      {"key", ev.key},
                                      {"request_id", ev.request_id},
                                      {"error", *what}});
    } catch (...) {
        ++failures_;  // out of memory while reporting: still a failure
    }
    return false;
}

bool handler::flush(std::string* error) noexcept {
    try {
        const auto what = failure_of([&] { flush_(); });
        if (!what) {
            return true;
        }
        ++failures_;
        hand_back(*what, error);
        log::error("handler flush failed", {{"handler", name()}, {"error", *what}});
    } catch (...) {
        ++failures_;
    }
    return false;
}

}  // namespace solarhook
