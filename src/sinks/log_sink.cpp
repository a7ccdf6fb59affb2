#include "solarhook/sinks/log_sink.hpp"

namespace solarhook {

void log_sink::handle_(const queued_event& ev) {
    auto& out = out_ != nullptr ? *out_ : log::get();
    // Written field by field: building the record as a json object first cost the
    // worker 45% more instructions per event (callgrind).
    out.write_event("event", [&](log::line_fields& f) {
        if (ev.event.type == event_type::unclassified) {
            f.json_text("event", ev.event.canonical);
        } else {
            f.json_text("event", typed_json(ev.event.data));
            if (ev.event.extra != "{}") {
                f.json_text("extra", ev.event.extra);
            }
        }
        f.str("key", ev.key).str("request_id", ev.request_id).str("type", ev.event.type_label);
    });
}

void log_sink::flush_() {
    (out_ != nullptr ? *out_ : log::get()).finish_events(write_timeout_);
}

}  // namespace solarhook
