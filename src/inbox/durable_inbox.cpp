#include "solarhook/inbox/durable_inbox.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <iterator>

#include "solarhook/core/thread_name.hpp"
#include "solarhook/decode/decoder.hpp"
#include "solarhook/log/structured.hpp"

namespace solarhook {

using namespace std::chrono;

durable_inbox::durable_inbox(store::group_committer& committer,
                             std::unique_ptr<store::event_store> reader, event_queue& queue,
                             const clock& clk, options opts)
    : committer_(committer), reader_(std::move(reader)), queue_(queue), clock_(clk), opts_(opts) {}

durable_inbox::~durable_inbox() {
    stop();
}

store::millis durable_inbox::now_ms() const {
    return to_unix_ms(clock_.now());
}

void durable_inbox::start() {
    measure_disk();  // before the first request: a full store refuses from the start
    release_unrouted_();
    dispatcher_ = std::thread([this] {
        name_this_thread("sh-dispatch");
        run();
    });
}

void durable_inbox::release_unrouted_() {
    // Before any request: rows inserted claimed by this run must not be released.
    // If the store fails now, the dispatcher tries again each round.
    auto result = std::make_shared<std::promise<std::optional<std::size_t>>>();
    auto got = result->get_future();
    auto n = std::make_shared<std::size_t>(0);
    committer_.submit([n, now = now_ms()](store::event_store& s) { *n = s.release_unrouted(now); },
                      [result, n](const std::optional<store::store_error>& err) {
                          result->set_value(err ? std::nullopt : std::optional(*n));
                      });
    const auto released = got.get();
    unrouted_released_ = released.has_value();
    if (!released) {
        log::error("cannot look for events a stop left unrouted; retrying");
    } else if (*released > 0) {
        log::info("events accepted before the last stop and not yet routed are dispatched now",
                  {{"events", *released}});
    }
}

void durable_inbox::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (dispatcher_.joinable()) {
        dispatcher_.join();
    }
}

void durable_inbox::wake() {
    {
        std::lock_guard lock(mutex_);
        poke_ = true;
    }
    wake_.notify_all();
}

bool durable_inbox::claim(std::int64_t id) {
    std::lock_guard lock(inflight_mutex_);
    return inflight_.insert(id).second;
}

void durable_inbox::release(std::int64_t id) {
    std::lock_guard lock(inflight_mutex_);
    inflight_.erase(id);
    released_since_read_.insert(id);
}

bool durable_inbox::push_claimed(queued_event ev) {
    auto slot = queue_.try_reserve(1);
    if (!slot) {
        release(ev.id);
        return false;
    }
    slot->push(std::move(ev));
    return true;
}

bool durable_inbox::over_disk_limit() const noexcept {
    return disk_bytes_.load() + added_since_measure_.load() >= opts_.max_disk_bytes;
}

std::string durable_inbox::not_ready_reason() const {
    if (!committer_.healthy()) {
        return "store_failing";
    }
    if (over_disk_limit()) {
        return "store_full";
    }
    return "";
}

void durable_inbox::measure_disk() {
    try {
        const auto bytes = reader_->disk_bytes();
        added_since_measure_ = 0;
        disk_bytes_ = bytes;
        const auto [rows, qbytes] = reader_->quarantine_totals();
        quarantine_rows_ = rows;
        quarantine_bytes_ = qbytes;
    } catch (const std::exception&) {
    }
}

void durable_inbox::store(std::vector<inbox_entry> entries, std::string request_id,
                          std::function<void(inbox_outcome)> done) {
    if (over_disk_limit()) {
        // Nothing acknowledged is ever dropped to make room: new events wait.
        done(problem{errc::store_unavailable,
                     fmt::format("the event store is at its size limit (store.max_disk_bytes = "
                                 "{}); nothing was stored, retry later",
                                 opts_.max_disk_bytes)});
        return;
    }
    struct batch {
        std::vector<inbox_entry> entries;
        std::vector<store::new_event> rows;
        std::vector<std::optional<std::int64_t>> ids;
        std::string request_id;
        clock::time_point now;
        std::size_t routable = 0;  // events that go to a worker once stored
        // Queue slots taken inside the transaction: the rows then go in claimed
        // (store::new_event::claimed) and to the workers after the commit, which
        // cannot be refused. Without them the rows wait to be dispatched.
        std::optional<event_queue::reservation> slots;
    };
    auto b = std::make_shared<batch>();
    b->now = clock_.now();
    b->request_id = std::move(request_id);
    b->rows.reserve(entries.size());
    for (const auto& e : entries) {
        b->rows.push_back(
            store::new_event{e.event.type_label, e.key,
                             e.raw_text.empty() ? e.event.canonical : std::string(e.raw_text),
                             typed_json(e.event.data), b->request_id});
    }
    b->ids.resize(entries.size());
    for (auto& e : entries) {
        e.routable = e.event.type == event_type::unclassified && opts_.routes_unclassified &&
                     opts_.routes_unclassified(e.event);
        if (e.event.type != event_type::unclassified || e.routable) {
            ++b->routable;
        }
    }
    b->entries = std::move(entries);
    // Each row costs its payloads and, about, a key and index entries on disk.
    std::int64_t bytes = 0;
    for (const auto& r : b->rows) {
        bytes += static_cast<std::int64_t>(r.raw.size() + r.typed.size() + 2 * r.key.size() + 128);
    }
    added_since_measure_ += bytes;

    const auto now = to_unix_ms(b->now);
    const auto expires = to_unix_ms(b->now + opts_.dedup_ttl);
    committer_.submit(
        [this, b, now, expires](store::event_store& s) {
            // This may run again (another operation of the batch failed): slots
            // from the earlier run go back first.
            b->slots.reset();
            if (b->routable > 0) {
                if (auto r = queue_.try_reserve(b->routable)) {
                    b->slots.emplace(std::move(*r));
                }
            }
            for (std::size_t i = 0; i < b->rows.size(); ++i) {
                const bool unclassified =
                    b->entries[i].event.type == event_type::unclassified && !b->entries[i].routable;
                b->rows[i].claimed = b->slots.has_value() && !unclassified;
                b->ids[i] = s.insert_event(
                    b->rows[i], now, expires,
                    unclassified ? store::event_state::quarantined : store::event_state::pending,
                    unclassified ? "unclassified: no known event type matches" : "");
            }
        },
        [this, b, done = std::move(done)](const std::optional<store::store_error>& err) {
            if (err) {
                b->slots.reset();
                log::error("event store unavailable",
                           {{"request_id", b->request_id}, {"error", err->what()}});
                done(problem{errc::store_unavailable,
                             "the event store is unavailable; nothing was stored, retry shortly"});
                return;
            }
            std::vector<store_result> results;
            results.reserve(b->entries.size());
            for (std::size_t i = 0; i < b->entries.size(); ++i) {
                if (!b->ids[i]) {
                    results.push_back(store_result::duplicate);
                    continue;
                }
                results.push_back(store_result::stored);
                auto& e = b->entries[i];
                if (e.event.type == event_type::unclassified && !e.routable) {
                    continue;
                }
                if (b->slots) {
                    claim(*b->ids[i]);  // a new row: nobody holds it
                    b->slots->push(queued_event{std::move(e.event), e.key, b->request_id, b->now,
                                                *b->ids[i], 0, true, nullptr});
                } else if (claim(*b->ids[i])) {
                    push_claimed(queued_event{std::move(e.event), e.key, b->request_id, b->now,
                                              *b->ids[i], 0, false, nullptr});
                }
            }
            b->slots.reset();  // what duplicates left unused
            done(std::move(results));
        });
}

void durable_inbox::quarantine(std::string type, std::string body, std::string reason,
                               std::string request_id) {
    if (over_disk_limit()) {
        ++quarantine_skipped_;
        return;
    }
    // Best effort, and bounded: a flood of refused bodies must neither queue
    // without limit in the writer (memory) nor hold up the commits of valid events.
    const auto bytes = static_cast<std::int64_t>(body.size() + type.size() + reason.size() + 128);
    if (quarantine_in_flight_.fetch_add(bytes) + bytes > k_quarantine_in_flight_max) {
        quarantine_in_flight_ -= bytes;
        ++quarantine_skipped_;
        return;
    }
    added_since_measure_ += bytes;
    const auto now = now_ms();
    committer_.submit(
        [type = std::move(type), body = std::move(body), reason = std::move(reason),
         request_id = std::move(request_id),
         now](store::event_store& s) { s.insert_quarantined(type, body, reason, request_id, now); },
        [this, bytes](const std::optional<store::store_error>& err) {
            quarantine_in_flight_ -= bytes;
            if (err) {
                log::error("could not quarantine a refused body", {{"error", err->what()}});
            }
        });
}

std::uint64_t durable_inbox::quarantine_skipped() const noexcept {
    return quarantine_skipped_.load();
}

void durable_inbox::on_processed(const queued_event& ev, const std::string* error) {
    if (ev.id == 0) {
        return;
    }
    try {
        outcome o{ev.id, ev.plan ? outcome::routed : outcome::done, ev.attempts + 1,    0,
                  {},    error == nullptr ? ev.plan : nullptr,      ev.inserted_waiting};
        if (error != nullptr) {
            o.error = *error;
            const auto now = clock_.now();
            const auto age = duration_cast<milliseconds>(now - ev.received_at);
            if (opts_.retry.give_up(o.attempts, age)) {
                o.kind = outcome::dead;
                log::error("event dead: giving up", {{"id", o.id},
                                                     {"type", ev.event.type_label},
                                                     {"key", ev.key},
                                                     {"attempts", o.attempts},
                                                     {"error", o.error}});
            } else {
                double unit = 0;
                {
                    std::lock_guard lock(mutex_);
                    unit = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
                }
                const auto next = now + opts_.retry.delay(o.attempts, unit);
                o.kind = outcome::retry;
                o.next_at = to_unix_ms(next);
                ++retries_scheduled_;
                log::warn("event will be retried", {{"id", o.id},
                                                    {"type", ev.event.type_label},
                                                    {"key", ev.key},
                                                    {"attempts", o.attempts},
                                                    {"next_attempt_at", format_rfc3339(next)},
                                                    {"error", o.error}});
            }
        }
        record_(std::move(o), 0);
    } catch (...) {
        // Nothing could be kept to record later (out of memory): the row is still
        // pending, so releasing it lets the dispatcher deliver it again (at least once).
        release(ev.id);
    }
}

void durable_inbox::record_(outcome o, int failures) {
    const auto id = o.id;
    auto pending = std::make_shared<std::vector<store::delivery_row>>();
    committer_.submit(
        [o, pending, now = now_ms()](store::event_store& s) {
            switch (o.kind) {
                case outcome::routed:
                    *pending = s.route_event(o.id, o.plan->sinks, now, o.inserted_waiting);
                    break;
                case outcome::done:
                    s.mark_done(o.id, o.inserted_waiting);
                    break;
                case outcome::retry:
                    s.schedule_retry(o.id, o.attempts, o.next_at, o.error);
                    break;
                case outcome::dead:
                    s.mark_dead(o.id, o.attempts, o.error);
                    break;
            }
        },
        [this, o, failures, id, pending](const std::optional<store::store_error>& err) {
            if (!err) {
                release(id);
                if (!pending->empty() && on_routed_) {
                    on_routed_(std::move(*pending), o.plan->normalized);
                }
                return;
            }
            // The sinks have run. Releasing the claim would let the dispatcher hand
            // the still-pending row to them again every round for as long as the
            // store fails (a Slack message every 250 ms on a full disk), so the event
            // stays claimed and only its outcome is written again, with backoff.
            const auto delay = std::min<milliseconds>(
                k_outcome_retry_first * (1 << std::min(failures, 16)), k_outcome_retry_max);
            {
                std::lock_guard lock(unrecorded_mutex_);
                unrecorded_.push_back(unrecorded{clock_.now() + delay, o, failures + 1});
            }
            log::error(
                "could not record an event's outcome; it is not delivered again, the "
                "write is retried",
                {{"id", id},
                 {"error", err->what()},
                 {"failures", failures + 1},
                 {"retry_in_ms", delay.count()}});
        },
        store::group_committer::urgency::background);
}

void durable_inbox::retry_unrecorded() {
    std::vector<unrecorded> due;
    {
        std::lock_guard lock(unrecorded_mutex_);
        const auto now = clock_.now();
        auto split = std::stable_partition(unrecorded_.begin(), unrecorded_.end(),
                                           [&](const unrecorded& u) { return u.at > now; });
        due.assign(std::make_move_iterator(split), std::make_move_iterator(unrecorded_.end()));
        unrecorded_.erase(split, unrecorded_.end());
    }
    for (auto& u : due) {
        record_(std::move(u.what), u.failures);
    }
}

std::size_t durable_inbox::unrecorded_outcomes() const {
    std::lock_guard lock(unrecorded_mutex_);
    return unrecorded_.size();
}

bool durable_inbox::dispatch_due() {
    const auto now = now_ms();
    std::vector<store::stored_event> rows;
    {
        // Rows released from here on may have changed since this read.
        std::lock_guard lock(inflight_mutex_);
        released_since_read_.clear();
    }
    try {
        rows = reader_->due(now, opts_.dispatch_batch, cursor_);
    } catch (const store::store_error& e) {
        log::error("cannot read pending events", {{"error", e.what()}});
        return false;
    }
    for (auto& row : rows) {
        bool stale = false;
        {
            std::lock_guard lock(inflight_mutex_);
            if (!inflight_.insert(row.id).second) {
                cursor_ = {row.next_attempt_at, row.id};
                continue;  // queued or being handled right now
            }
            stale = released_since_read_.count(row.id) > 0;
        }
        if (stale) {
            // A worker's outcome was committed and released after the read above:
            // only a fresh read is trustworthy.
            std::optional<store::stored_event> fresh;
            try {
                fresh = reader_->get(row.id);
            } catch (const store::store_error& e) {
                release(row.id);
                log::error("cannot read a pending event", {{"id", row.id}, {"error", e.what()}});
                return false;
            }
            if (!fresh || fresh->state != store::event_state::pending ||
                fresh->next_attempt_at > now || fresh->attempts != row.attempts) {
                release(row.id);
                cursor_ = {row.next_attempt_at, row.id};
                continue;
            }
        }
        std::optional<std::string_view> type_hint;
        if (valid_type_segment(row.type)) {
            type_hint = row.type;
        }
        // The row was within the configured limits when it was accepted; these only
        // keep a damaged row from reaching past the parser's own depth limit (1024).
        const auto decoded =
            decode_object(row.raw, type_hint, decode_limits{row.raw.size(), 1024, 1});
        if (auto* p = std::get_if<problem>(&decoded)) {
            const auto why = fmt::format("stored payload does not decode: {}", p->message);
            committer_.submit(
                [id = row.id, a = row.attempts, why](store::event_store& s) {
                    s.mark_dead(id, a, why);
                },
                [this, id = row.id](const std::optional<store::store_error>&) { release(id); });
            cursor_ = {row.next_attempt_at, row.id};
            continue;
        }
        if (!push_claimed(queued_event{std::move(std::get<decoded_event>(decoded)), row.key,
                                       row.request_id, from_unix_ms(row.received_at), row.id,
                                       row.attempts, false, nullptr})) {
            // Queue full: the cursor stays before this row, and the queue wakes the
            // dispatcher once a quarter of it is free again.
            queue_.notify_when_room(std::max<std::size_t>(1, queue_.capacity() / 4),
                                    [this] { wake(); });
            return false;
        }
        cursor_ = {row.next_attempt_at, row.id};
    }
    if (rows.size() < static_cast<std::size_t>(opts_.dispatch_batch)) {
        cursor_ = {};  // the walk reached the end: the next one starts from the oldest
        return false;
    }
    return true;
}

durable_inbox::maintenance_report durable_inbox::maintain() {
    // The dispatcher's rounds and a test's call must not interleave their counts.
    std::lock_guard serial(maintenance_mutex_);
    const auto now = now_ms();
    const auto done_before = now - duration_cast<milliseconds>(opts_.done_retention).count();
    maintenance_report total;
    // Runs one step through the writer and waits for it: the dispatcher may wait,
    // requests never do (their commits interleave with these steps).
    const auto step = [this](auto&& op) -> std::optional<maintenance_report> {
        auto result = std::make_shared<std::promise<std::optional<maintenance_report>>>();
        auto got = result->get_future();
        auto counts = std::make_shared<maintenance_report>();
        committer_.submit([op, counts](store::event_store& s) { op(s, *counts); },
                          [result, counts](const std::optional<store::store_error>& err) {
                              if (err) {
                                  log::warn("store maintenance failed", {{"error", err->what()}});
                                  result->set_value(std::nullopt);
                              } else {
                                  result->set_value(*counts);
                              }
                          });
        return got.get();
    };
    // A forgotten key weakens dedup (its re-delivery would be processed again), so
    // the operator hears of it, once per maintenance round.
    step([this](store::event_store& s, maintenance_report&) {
        if (const auto evicted = s.dedup_evicted(); evicted > evictions_reported_) {
            log::warn(
                "dedup keys forgotten before their TTL: raise dedup.max_entries",
                {{"forgotten", evicted - evictions_reported_}, {"forgotten_since_start", evicted}});
            evictions_reported_ = evicted;
        }
    });
    // Chunks keep each transaction short; there is no cap on chunks, so retention
    // keeps up with any rate the writer can ingest.
    for (;;) {
        const auto r = step([now, done_before, n = opts_.retention_chunk](store::event_store& s,
                                                                          maintenance_report& c) {
            c.dedup_keys_expired = s.purge_dedup(now, n);
            c.done_pruned = s.prune_done(done_before, n);
        });
        if (!r) {
            break;
        }
        total.dedup_keys_expired += r->dedup_keys_expired;
        total.done_pruned += r->done_pruned;
        total.steps += 1;
        if (r->dedup_keys_expired < static_cast<std::size_t>(opts_.retention_chunk) &&
            r->done_pruned < static_cast<std::size_t>(opts_.retention_chunk)) {
            break;
        }
        std::lock_guard lock(mutex_);
        if (stopping_) {
            break;
        }
    }
    if (const auto r = step([rows = opts_.quarantine_max_rows, bytes = opts_.quarantine_max_bytes](
                                store::event_store& s, maintenance_report& c) {
            c.quarantine_dropped = s.bound_quarantine(rows, bytes);
        })) {
        total.quarantine_dropped = r->quarantine_dropped;
    }
    // Pages freed by the deletes go back to the file system, a few MB per step.
    constexpr int k_pages_per_step = 4096;
    for (;;) {
        const auto r = step([](store::event_store& s, maintenance_report& c) {
            const auto free = s.free_pages();
            if (free > 0) {
                const auto n = static_cast<int>(std::min<std::int64_t>(free, k_pages_per_step));
                s.release_free_pages(n);
                c.pages_released = static_cast<std::size_t>(n);
            }
        });
        if (!r) {
            break;
        }
        total.pages_released += r->pages_released;
        if (r->pages_released < static_cast<std::size_t>(k_pages_per_step)) {
            break;
        }
    }
    if (over_disk_limit() || reader_->wal_bytes() > k_wal_truncate_above) {
        // The freed pages leave the file, and the WAL its largest size, only once
        // the WAL is copied back and cut: from the dispatcher's own connection, so
        // the writer waits only while the copy runs.
        try {
            reader_->checkpoint_truncate();
        } catch (const store::store_error& e) {
            log::warn("WAL checkpoint failed", {{"error", e.what()}});
        }
        measure_disk();
    }
    if (const auto skipped = quarantine_skipped_.load(); skipped > quarantine_skipped_reported_) {
        log::warn(
            "refused bodies not quarantined: they came faster than the store writes them, "
            "or the store is at its size limit",
            {{"skipped", skipped - quarantine_skipped_reported_},
             {"skipped_since_start", skipped}});
        quarantine_skipped_reported_ = skipped;
    }
    if (total.dedup_keys_expired + total.done_pruned + total.quarantine_dropped > 0) {
        log::debug("store maintenance", {{"dedup_keys_expired", total.dedup_keys_expired},
                                         {"done_pruned", total.done_pruned},
                                         {"quarantine_dropped", total.quarantine_dropped},
                                         {"pages_released", total.pages_released},
                                         {"steps", total.steps}});
    }
    return total;
}

void durable_inbox::run() {
    auto next_maintenance = steady_clock::now();
    for (;;) {
        measure_disk();
        retry_unrecorded();
        if (!unrouted_released_) {
            release_unrouted_();
        }
        // No cap per round: a backlog (a crash, an outage, a replay) is walked in
        // batches for as long as the queue takes them.
        while (dispatch_due()) {
            std::lock_guard lock(mutex_);
            if (stopping_) {
                return;
            }
        }
        if (!committer_.healthy()) {
            // Nothing else may be writing; an empty commit tells us when the store is back.
            committer_.submit([](store::event_store&) {},
                              [](const std::optional<store::store_error>&) {});
        }
        if (steady_clock::now() >= next_maintenance) {
            maintain();
            next_maintenance = steady_clock::now() + opts_.maintenance_interval;
        }
        // Sleep until the next retry is due, the poll interval at most; the queue
        // (room again) or stop() wakes it sooner. New events need no wake-up: the
        // commit that keeps them also queues them.
        auto wait = opts_.poll_interval;
        try {
            const auto now = now_ms();
            if (const auto next = reader_->next_due_after(now)) {
                wait = std::clamp(milliseconds(*next - now), milliseconds(1), wait);
            }
        } catch (const store::store_error&) {
        }
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, wait, [this] { return stopping_ || poke_; });
        poke_ = false;
        if (stopping_) {
            return;
        }
    }
}

}  // namespace solarhook
