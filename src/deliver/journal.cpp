#include "solarhook/deliver/journal.hpp"

#include "solarhook/decode/normalized.hpp"

namespace solarhook::deliver {

durable_journal::durable_journal(store::group_committer& committer,
                                 std::unique_ptr<store::event_store> reader, const clock& clk)
    : committer_(committer), reader_(std::move(reader)), clock_(clk) {}

void durable_journal::record(const store::delivery_outcome& o, std::function<void(bool ok)> done) {
    const auto now = to_unix_ms(clock_.now());
    committer_.submit(
        [o, now](store::event_store& s) { s.record_delivery(o, now); },
        [done = std::move(done)](const std::optional<store::store_error>& err) { done(!err); },
        store::group_committer::urgency::background);
}

std::vector<job> durable_journal::pending(const std::string& sink, std::int64_t after_id,
                                          int limit) {
    std::vector<job> out;
    for (auto& d : reader_->pending_deliveries(sink, after_id, limit)) {
        out.push_back(job{d.id, d.event_id, std::move(d.sink), std::move(d.order_key), d.attempts,
                          d.next_attempt_at, d.received_at, nullptr});
    }
    return out;
}

std::vector<std::string> durable_journal::pending_sinks() {
    std::vector<std::string> out;
    auto st = reader_->db().prepare("SELECT DISTINCT sink FROM deliveries WHERE state = 0");
    while (st.step()) {
        out.push_back(st.text_at(0));
    }
    return out;
}

std::shared_ptr<const nlohmann::json> durable_journal::event(std::int64_t event_id) {
    const auto row = reader_->get(event_id);
    if (!row) {
        return nullptr;
    }
    const auto type = parse_type_name(row->type).value_or(event_type::unclassified);
    return std::make_shared<const nlohmann::json>(
        normalize(type, row->type, row->raw,
                  event_meta{row->key, row->id, from_unix_ms(row->received_at), row->request_id}));
}

}  // namespace solarhook::deliver
