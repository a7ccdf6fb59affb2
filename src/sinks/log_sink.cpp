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
    // The same line as write(..., fields(ev)), without building the outer object.
    out.write_with(log::level::info, "event", [&](log::line_fields& f) {
        const bool typed = ev.event.type != event_type::unclassified;
        f.json("event", typed ? to_json(ev.event.data) : ev.event.raw);
        if (typed) {
            if (auto extra = extra_fields(ev.event); !extra.empty()) {
                f.json("extra", extra);
            }
        }
        f.str("key", ev.key).str("request_id", ev.request_id).str("type", ev.event.type_label);
    });
}

void log_sink::flush_() {
    (out_ != nullptr ? *out_ : log::get()).flush_or_throw();
}

}  // namespace solarhook
