#include "solarhook/sinks/log_sink.hpp"

namespace solarhook {

nlohmann::json log_sink::fields(const queued_event& ev) {
    nlohmann::json f{{"type", ev.event.type_label},
                     {"key", ev.key},
                     {"request_id", ev.request_id},
                     {"event", ev.event.type == event_type::unclassified ? ev.event.raw
                                                                         : to_json(ev.event.data)}};
    if (ev.event.type != event_type::unclassified) {
        if (auto extra = extra_fields(ev.event); !extra.empty()) {
            f["extra"] = std::move(extra);
        }
    }
    return f;
}

void log_sink::handle_(const queued_event& ev) {
    auto& out = out_ != nullptr ? *out_ : log::get();
    if (out.enabled(log::level::info)) {
        out.write(log::level::info, "event", fields(ev));
    }
}

void log_sink::flush_() {
    (out_ != nullptr ? *out_ : log::get()).flush_or_throw();
}

}  // namespace solarhook
