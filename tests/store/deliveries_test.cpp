#include <gtest/gtest.h>

#include "solarhook/store/event_store.hpp"
#include "support/temp_dir.hpp"

namespace solarhook::store {
namespace {

using namespace std::chrono_literals;

struct tx {
    explicit tx(event_store& s) : s_(s) { s_.begin(); }
    ~tx() { s_.commit(); }
    event_store& s_;
};

std::int64_t add_event(event_store& s, const std::string& key, millis now = 1000) {
    tx t(s);
    return *s.insert_event(new_event{"customer_created", key, R"({"pkcustomerid":1})", "{}", "r"},
                           now, now + 3'600'000);
}

std::int64_t add_claimed(event_store& s, const std::string& key, millis now = 1000) {
    tx t(s);
    new_event e{"customer_created", key, R"({"pkcustomerid":1})", "{}", "r"};
    e.claimed = true;
    return *s.insert_event(e, now, now + 3'600'000);
}

TEST(deliveries, a_claimed_row_waits_from_its_insert_and_routing_it_writes_no_event_row) {
    test::temp_dir dir;
    event_store s(dir.file("d.db"), durability::normal, 1s);
    const auto id = add_claimed(s, "a");
    auto ev = s.get(id);
    EXPECT_EQ(ev->state, event_state::pending);
    EXPECT_EQ(ev->next_attempt_at, k_delivering);
    EXPECT_EQ(ev->attempts, 1) << "its attempt is under way";
    EXPECT_TRUE(s.due(1'000'000'000, 10).empty()) << "the dispatcher leaves it to its worker";
    EXPECT_FALSE(s.next_due_after(0).has_value());

    const auto changes_before = sqlite3_total_changes(s.db().handle());
    std::vector<delivery_row> pending;
    {
        tx t(s);
        pending = s.route_event(id, {{"log", "", true}, {"crm", "c1", false}}, 2000, true);
    }
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending[0].received_at, 1000);
    // Two delivery rows inserted, and nothing else written: the event row was ready.
    EXPECT_EQ(sqlite3_total_changes(s.db().handle()) - changes_before, 2);
    ev = s.get(id);
    EXPECT_EQ(ev->next_attempt_at, k_delivering);
    EXPECT_EQ(ev->attempts, 1);
    {
        tx t(s);
        s.record_delivery({pending[0].id, id, delivery_state::done, 1, 0, "", 200, "ok"}, 3000);
    }
    EXPECT_EQ(s.get(id)->state, event_state::done);

    // Routed to the log only, or handled without a plan: done, the attempt counted once.
    const auto logged = add_claimed(s, "b");
    {
        tx t(s);
        EXPECT_TRUE(s.route_event(logged, {{"log", "", true}}, 2000, true).empty());
    }
    EXPECT_EQ(s.get(logged)->state, event_state::done);
    EXPECT_EQ(s.get(logged)->attempts, 1);
    const auto planless = add_claimed(s, "c");
    {
        tx t(s);
        s.mark_done(planless, true);
    }
    EXPECT_EQ(s.get(planless)->state, event_state::done);
    EXPECT_EQ(s.get(planless)->attempts, 1);
}

TEST(deliveries, rows_a_stop_left_claimed_and_unrouted_are_released_and_no_other) {
    test::temp_dir dir;
    event_store s(dir.file("d.db"), durability::normal, 1s);
    const auto unrouted = add_claimed(s, "a");
    const auto routed = add_claimed(s, "b");
    const auto plain = add_event(s, "c");  // due at 1000 already
    {
        tx t(s);
        ASSERT_EQ(s.route_event(routed, {{"crm", "", false}}, 2000, true).size(), 1u);
        s.mark_done(plain);
    }
    const auto cache_size = [&s] {
        auto st = s.db().prepare("PRAGMA cache_size");
        return st.step() ? st.int_at(0) : 0;
    };
    s.db().exec("PRAGMA cache_size=-3000");
    {
        tx t(s);
        EXPECT_EQ(s.release_unrouted(5000), 1u);
    }
    EXPECT_EQ(cache_size(), -3000) << "its small read cache is undone";
    EXPECT_EQ(s.get(unrouted)->next_attempt_at, 5000);
    EXPECT_EQ(s.get(routed)->next_attempt_at, k_delivering) << "its delivery is out";
    EXPECT_EQ(s.get(plain)->state, event_state::done);
    const auto due = s.due(5000, 10);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].id, unrouted);

    // Released while its worker was still routing it (a start whose store failed,
    // retried by the dispatcher): the routing puts it back to waiting, counting no
    // second attempt.
    {
        tx t(s);
        ASSERT_EQ(s.route_event(unrouted, {{"crm", "", false}}, 6000, true).size(), 1u);
    }
    EXPECT_EQ(s.get(unrouted)->next_attempt_at, k_delivering);
    EXPECT_EQ(s.get(unrouted)->attempts, 1);
    EXPECT_TRUE(s.due(1'000'000'000, 10).empty());
}

TEST(deliveries, routing_an_event_keeps_a_row_per_sink_and_the_event_waits_for_them) {
    test::temp_dir dir;
    event_store s(dir.file("d.db"), durability::normal, 1s);
    const auto id = add_event(s, "a");
    std::vector<delivery_row> pending;
    {
        tx t(s);
        pending = s.route_event(
            id, {{"log", "", true}, {"crm", "c1", false}, {"slack", "c1", false}}, 2000);
    }
    ASSERT_EQ(pending.size(), 2u);
    EXPECT_EQ(pending[0].sink, "crm");
    EXPECT_EQ(pending[0].order_key, "c1");
    EXPECT_EQ(pending[0].received_at, 1000);
    auto ev = s.get(id);
    EXPECT_EQ(ev->state, event_state::pending);
    EXPECT_EQ(ev->next_attempt_at, k_delivering);
    EXPECT_TRUE(s.due(1'000'000'000, 10).empty()) << "a routed event is not dispatched again";
    EXPECT_FALSE(s.next_due_after(0).has_value());
    EXPECT_EQ(s.list_deliveries({delivery_state::done, std::nullopt, id, 10}).size(), 1u);

    // A retry keeps it pending; the last delivery to end makes the event done.
    {
        tx t(s);
        s.record_delivery(
            {pending[0].id, id, delivery_state::pending, 1, 9000, "HTTP 500", 500, "oops"}, 3000);
        s.record_delivery({pending[1].id, id, delivery_state::done, 1, 0, "", 200, "ok"}, 3000);
    }
    EXPECT_EQ(s.get(id)->state, event_state::pending);
    auto crm = s.list_deliveries({std::nullopt, "crm", id, 10}).at(0);
    EXPECT_EQ(crm.state, delivery_state::pending);
    EXPECT_EQ(crm.attempts, 1);
    EXPECT_EQ(crm.last_status, 500);
    EXPECT_EQ(crm.last_response, "oops");
    EXPECT_EQ(crm.last_error, "HTTP 500");
    {
        tx t(s);
        s.record_delivery({pending[0].id, id, delivery_state::dead, 2, 0, "HTTP 400", 400, ""},
                          4000);
    }
    EXPECT_EQ(s.get(id)->state, event_state::done) << "done when all are done or dead";
}

TEST(deliveries, an_event_with_no_pending_delivery_is_done_at_once) {
    test::temp_dir dir;
    event_store s(dir.file("d.db"), durability::normal, 1s);
    const auto id = add_event(s, "a");
    const auto none = add_event(s, "b");
    tx t(s);
    EXPECT_TRUE(s.route_event(id, {{"log", "", true}}, 2000).empty());
    EXPECT_EQ(s.get(id)->state, event_state::done);
    EXPECT_TRUE(s.route_event(none, {}, 2000).empty());
    EXPECT_EQ(s.get(none)->state, event_state::done);
}

TEST(deliveries, routing_again_revives_dead_ones_and_leaves_done_ones_alone) {
    test::temp_dir dir;
    event_store s(dir.file("d.db"), durability::normal, 1s);
    const auto id = add_event(s, "a");
    {
        tx t(s);
        const auto p = s.route_event(id, {{"crm", "", false}, {"slack", "", false}}, 2000);
        s.record_delivery({p[0].id, id, delivery_state::done, 1, 0, "", 200, ""}, 2100);
        s.record_delivery({p[1].id, id, delivery_state::dead, 3, 0, "x", 400, ""}, 2100);
    }
    ASSERT_EQ(s.get(id)->state, event_state::done);
    ASSERT_EQ(s.replay(std::vector<std::int64_t>{id}, 5000), 1u);
    tx t(s);
    const auto again = s.route_event(id, {{"crm", "", false}, {"slack", "", false}}, 5000);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].sink, "slack");
    EXPECT_EQ(again[0].attempts, 0);
}

// Routed again while a delivery is still out (dispatched again after a crash): the row
// pending already is not returned, and the event still waits for it. A row already
// done keeps it from waiting.
TEST(deliveries, routing_again_while_one_is_out_keeps_the_event_waiting) {
    test::temp_dir dir;
    event_store s(dir.file("d.db"), durability::normal, 1s);
    const auto id = add_event(s, "a");
    const auto other = add_event(s, "b");
    tx t(s);
    ASSERT_EQ(s.route_event(id, {{"crm", "", false}}, 2000).size(), 1u);
    EXPECT_TRUE(s.route_event(id, {{"crm", "", false}}, 3000).empty());
    EXPECT_EQ(s.get(id)->state, event_state::pending);
    EXPECT_EQ(s.get(id)->next_attempt_at, k_delivering);

    ASSERT_TRUE(s.route_event(other, {{"log", "", true}}, 2000).empty());
    ASSERT_EQ(s.replay(std::vector<std::int64_t>{other}, 5000), 1u);
    EXPECT_TRUE(s.route_event(other, {{"log", "", true}}, 5000).empty());
    EXPECT_EQ(s.get(other)->state, event_state::done);
}

TEST(deliveries, pending_ones_are_read_per_sink_in_id_order_after_a_cursor) {
    test::temp_dir dir;
    event_store s(dir.file("d.db"), durability::normal, 1s);
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 5; ++i) {
        const auto id = add_event(s, "k" + std::to_string(i));
        tx t(s);
        ids.push_back(s.route_event(id, {{"crm", "", false}, {"slack", "", false}}, 2000)[0].id);
    }
    const auto first = s.pending_deliveries("crm", 0, 3);
    ASSERT_EQ(first.size(), 3u);
    EXPECT_EQ(first[0].id, ids[0]);
    EXPECT_EQ(first[2].id, ids[2]);
    const auto rest = s.pending_deliveries("crm", first.back().id, 10);
    ASSERT_EQ(rest.size(), 2u);
    EXPECT_EQ(rest[1].id, ids[4]);
}

TEST(deliveries, replaying_dead_ones_of_a_sink_touches_only_those) {
    test::temp_dir dir;
    event_store s(dir.file("d.db"), durability::normal, 1s);
    const auto a = add_event(s, "a");
    const auto b = add_event(s, "b");
    {
        tx t(s);
        for (auto id : {a, b}) {
            const auto p = s.route_event(id, {{"crm", "", false}, {"slack", "", false}}, 2000);
            s.record_delivery({p[0].id, id, delivery_state::done, 1, 0, "", 200, ""}, 2100);
            s.record_delivery({p[1].id, id, delivery_state::dead, 1, 0, "x", 400, ""}, 2100);
        }
    }
    std::size_t n = 0;
    {
        tx t(s);
        n = s.replay_deliveries({std::nullopt, "slack", std::nullopt, 0}, false, 9000);
    }
    EXPECT_EQ(n, 2u);
    EXPECT_EQ(s.pending_deliveries("slack", 0, 10).size(), 2u);
    EXPECT_TRUE(s.pending_deliveries("crm", 0, 10).empty()) << "the CRM is not posted to again";
    EXPECT_EQ(s.get(a)->state, event_state::pending);
    EXPECT_EQ(s.get(a)->next_attempt_at, k_delivering);
}

TEST(deliveries, retention_takes_an_events_deliveries_with_it) {
    test::temp_dir dir;
    event_store s(dir.file("d.db"), durability::normal, 1s);
    const auto id = add_event(s, "a", 1000);
    tx t(s);
    s.route_event(id, {{"log", "", true}}, 1000);
    EXPECT_EQ(s.prune_done(5000, 10), 1u);
    EXPECT_TRUE(s.list_deliveries({std::nullopt, std::nullopt, id, 10}).empty());
}

TEST(deliveries, migrating_a_version_6_file_keeps_its_events) {
    test::temp_dir dir;
    const auto path = dir.file("v6.db");
    std::int64_t id = 0;
    {
        event_store s(path, durability::normal, 1s);
        id = add_event(s, "old");
        // Back to what version 6 had.
        s.db().exec(
            "DROP TRIGGER deliveries_follow_events; DROP TABLE deliveries; "
            "DELETE FROM schema_version WHERE version = 7; PRAGMA user_version = 6");
    }
    event_store s(path, durability::normal, 1s);
    EXPECT_EQ(s.schema_version(), 7);
    ASSERT_TRUE(s.get(id).has_value());
    EXPECT_EQ(s.get(id)->state, event_state::pending);
    EXPECT_EQ(s.due(1'000'000'000, 10).size(), 1u) << "a pending event is routed when dispatched";
    tx t(s);
    EXPECT_EQ(s.route_event(id, {{"crm", "", false}}, 3000).size(), 1u);
}

}  // namespace
}  // namespace solarhook::store
