// event_store's deliveries table: kept apart from the events' code because it
// serves the delivery engine, not the request path.
#include <fmt/format.h>

#include "solarhook/store/event_store.hpp"

namespace solarhook::store {
namespace {

constexpr std::string_view k_delivery_columns =
    "d.id, d.event_id, d.sink, d.order_key, d.state, d.attempts, d.next_attempt_at, "
    "COALESCE(d.last_error,''), d.last_status, COALESCE(d.last_response,''), d.updated_at, "
    "e.received_at";

std::vector<delivery_row> read_deliveries(statement& st) {
    std::vector<delivery_row> out;
    while (st.step()) {
        delivery_row d;
        d.id = st.int_at(0);
        d.event_id = st.int_at(1);
        d.sink = st.text_at(2);
        d.order_key = st.text_at(3);
        d.state = static_cast<delivery_state>(st.int_at(4));
        d.attempts = static_cast<int>(st.int_at(5));
        d.next_attempt_at = st.int_at(6);
        d.last_error = st.text_at(7);
        if (!st.null_at(8)) {
            d.last_status = static_cast<int>(st.int_at(8));
        }
        d.last_response = st.text_at(9);
        d.updated_at = st.int_at(10);
        d.received_at = st.int_at(11);
        out.push_back(std::move(d));
    }
    st.reset();
    return out;
}

}  // namespace

std::string_view delivery_state_name(delivery_state s) noexcept {
    switch (s) {
        case delivery_state::pending:
            return "pending";
        case delivery_state::done:
            return "done";
        case delivery_state::dead:
            return "dead";
    }
    return "pending";
}

std::optional<delivery_state> parse_delivery_state(std::string_view s) noexcept {
    for (auto st : {delivery_state::pending, delivery_state::done, delivery_state::dead}) {
        if (delivery_state_name(st) == s) {
            return st;
        }
    }
    return std::nullopt;
}

std::vector<delivery_row> event_store::route_event(std::int64_t event_id,
                                                   const std::vector<new_delivery>& sinks,
                                                   millis now, bool inserted_waiting) {
    // One statement per sink: a new row, or a dead one made pending again; RETURNING
    // gives what became pending. A row pending already (a crash between routing
    // and delivery) is not returned: the engine reads it back from the table.
    auto& upsert = db_.cached(
        "INSERT INTO deliveries(event_id, sink, order_key, state, attempts, next_attempt_at, "
        "updated_at) VALUES(?1, ?2, ?3, ?4, ?4, ?5, ?5) ON CONFLICT(event_id, sink) DO UPDATE "
        "SET state=0, attempts=0, next_attempt_at=excluded.next_attempt_at, "
        "updated_at=excluded.updated_at WHERE state=2 RETURNING id, state, attempts");
    std::vector<delivery_row> out;
    millis received_at = 0;
    bool received_known = false;
    bool waiting = false;       // a row this call made pending
    bool kept_unknown = false;  // a row that was there already, pending or done
    for (const auto& s : sinks) {
        upsert.bind(1, event_id).bind_ref(2, s.sink).bind_ref(3, s.order_key);
        upsert.bind(4, s.done ? 1 : 0).bind(5, now);
        bool returned = false;
        while (upsert.step()) {
            returned = true;
            if (upsert.int_at(1) != 0) {
                continue;  // run on the worker already (done)
            }
            if (!received_known) {
                auto& ev = db_.cached("SELECT received_at FROM events WHERE id=?1");
                ev.bind(1, event_id);
                received_at = ev.step() ? ev.int_at(0) : now;
                ev.reset();
                received_known = true;
            }
            delivery_row d;
            d.id = upsert.int_at(0);
            d.event_id = event_id;
            d.sink = s.sink;
            d.order_key = s.order_key;
            d.attempts = static_cast<int>(upsert.int_at(2));
            d.next_attempt_at = now;
            d.updated_at = now;
            d.received_at = received_at;
            out.push_back(std::move(d));
            waiting = true;
        }
        upsert.reset();
        kept_unknown = kept_unknown || !returned;
    }
    if (!waiting && kept_unknown) {  // the usual case, new rows only, needs no lookup
        auto& still = db_.cached("SELECT 1 FROM deliveries WHERE event_id=?1 AND state=0 LIMIT 1");
        still.bind(1, event_id);
        waiting = still.step();
        still.reset();
    }
    if (!waiting) {
        db_.cached(
               "UPDATE events SET state='done', attempts=attempts+?2, last_error=NULL "
               "WHERE id=?1 AND state='pending'")
            .bind(1, event_id)
            .bind(2, inserted_waiting ? 0 : 1)
            .run();
    } else {
        // A row inserted waiting is written only if something (release_unrouted, at a
        // start whose store failed) made it due meanwhile: the usual case reads it
        // and writes nothing.
        db_.cached(
               "UPDATE events SET attempts=attempts+?3, next_attempt_at=?2, last_error=NULL "
               "WHERE id=?1 AND state='pending' AND (?3 = 1 OR next_attempt_at != ?2)")
            .bind(1, event_id)
            .bind(2, k_delivering)
            .bind(3, inserted_waiting ? 0 : 1)
            .run();
    }
    return out;
}

void event_store::record_delivery(const delivery_outcome& o, millis now) {
    auto& st = db_.cached(
        "UPDATE deliveries SET state=?2, attempts=?3, next_attempt_at=?4, last_error=?5, "
        "last_status=?6, last_response=?7, updated_at=?8 WHERE id=?1");
    st.bind(1, o.id).bind(2, static_cast<int>(o.state)).bind(3, o.attempts);
    st.bind(4, o.next_attempt_at);
    if (o.error.empty()) {
        st.bind_null(5);
    } else {
        st.bind_ref(5, o.error);
    }
    if (o.status) {
        st.bind(6, *o.status);
    } else {
        st.bind_null(6);
    }
    if (o.response.empty()) {
        st.bind_null(7);
    } else {
        st.bind_ref(7, o.response);
    }
    st.bind(8, now).run();
    if (o.state != delivery_state::pending) {
        db_.cached(
               "UPDATE events SET state='done', next_attempt_at=?2 WHERE id=?1 AND "
               "state='pending' AND next_attempt_at=?3 AND NOT EXISTS (SELECT 1 FROM "
               "deliveries WHERE event_id=?1 AND state=0)")
            .bind(1, o.event_id)
            .bind(2, now)
            .bind(3, k_delivering)
            .run();
    }
}

std::vector<delivery_row> event_store::pending_deliveries(const std::string& sink,
                                                          std::int64_t after_id, int limit) {
    auto& st =
        db_.cached(fmt::format("SELECT {} FROM deliveries d JOIN events e ON e.id = d.event_id "
                               "WHERE d.sink=?1 AND d.state=0 AND d.id > ?2 ORDER BY d.id LIMIT ?3",
                               k_delivery_columns));
    st.bind(1, sink).bind(2, after_id).bind(3, limit);
    return read_deliveries(st);
}

std::vector<delivery_row> event_store::list_deliveries(const delivery_filter& f) {
    std::string sql =
        fmt::format("SELECT {} FROM deliveries d JOIN events e ON e.id = d.event_id WHERE 1=1",
                    k_delivery_columns);
    if (f.state) {
        sql += " AND d.state=?1";
    }
    if (f.sink) {
        sql += " AND d.sink=?2";
    }
    if (f.event_id) {
        sql += " AND d.event_id=?3";
    }
    sql += " ORDER BY d.id DESC LIMIT ?4";
    auto st = db_.prepare(sql);
    if (f.state) {
        st.bind(1, static_cast<int>(*f.state));
    }
    if (f.sink) {
        st.bind(2, *f.sink);
    }
    if (f.event_id) {
        st.bind(3, *f.event_id);
    }
    st.bind(4, f.limit);
    return read_deliveries(st);
}

std::size_t event_store::replay_deliveries(const delivery_filter& f, bool any_state, millis now) {
    std::string where = any_state ? "state != 0" : "state = 2";
    if (f.state) {
        where += " AND state=?2";
    }
    if (f.sink) {
        where += " AND sink=?3";
    }
    if (f.event_id) {
        where += " AND event_id=?4";
    }
    // The events first, while their deliveries still tell which ones they are.
    auto events = db_.prepare(
        fmt::format("UPDATE events SET state='pending', next_attempt_at=?5, last_error=NULL "
                    "WHERE id IN (SELECT event_id FROM deliveries WHERE {})",
                    where));
    auto deliveries = db_.prepare(fmt::format(
        "UPDATE deliveries SET state=0, attempts=0, next_attempt_at=?1, updated_at=?1 WHERE {}",
        where));
    for (auto* st : {&events, &deliveries}) {
        if (f.state) {
            st->bind(2, static_cast<int>(*f.state));
        }
        if (f.sink) {
            st->bind(3, *f.sink);
        }
        if (f.event_id) {
            st->bind(4, *f.event_id);
        }
    }
    events.bind(5, k_delivering).run();
    deliveries.bind(1, now).run();
    const auto changed = static_cast<std::size_t>(db_.changes());
    count_quarantine();
    return changed;
}

}  // namespace solarhook::store
