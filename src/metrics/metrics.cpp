#include "solarhook/metrics/metrics.hpp"

#include <prometheus/gauge.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <sstream>

#include "solarhook/decode/event.hpp"

namespace solarhook::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr std::array<std::string_view, k_route_labels> k_route_names{"webhook", "healthz", "readyz",
                                                                     "metrics", "other"};
constexpr std::array<std::string_view, 3> k_result_names{"accepted", "duplicate", "unclassified"};
// registry::events_ has room for 8 types of 3 results.
static_assert(static_cast<std::size_t>(event_type::unclassified) < 8);

std::size_t status_index(unsigned status) noexcept {
    const auto it = std::find(k_statuses.begin(), k_statuses.end() - 1, status);
    return static_cast<std::size_t>(it - k_statuses.begin());  // the last: "other"
}

MetricFamily family(std::string name, std::string help, MetricType type) {
    return MetricFamily{std::move(name), std::move(help), type, {}};
}

ClientMetric gauge(double v, std::vector<ClientMetric::Label> labels = {}) {
    ClientMetric m;
    m.label = std::move(labels);
    m.gauge.value = v;
    return m;
}

ClientMetric counter(double v, std::vector<ClientMetric::Label> labels = {}) {
    ClientMetric m;
    m.label = std::move(labels);
    m.counter.value = v;
    return m;
}

std::atomic<bool> g_enabled{true};

}  // namespace

histogram::histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void histogram::observe(double value) noexcept {
    const auto i = static_cast<std::size_t>(
        std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
}

ClientMetric histogram::collect() const {
    ClientMetric m;
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        cumulative += buckets_[i].load(std::memory_order_relaxed);
        m.histogram.bucket.push_back({cumulative, bounds_[i]});
    }
    cumulative += buckets_[bounds_.size()].load(std::memory_order_relaxed);
    m.histogram.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
    // The count is the +Inf bucket's, so a scrape racing an observe stays consistent.
    m.histogram.sample_count = cumulative;
    m.histogram.sample_sum = sum_.load(std::memory_order_relaxed);
    return m;
}

registry::registry()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_family_(prometheus::BuildCounter()
                           .Name("solarhook_http_requests_total")
                           .Help("HTTP requests answered, by route and status code")
                           .Register(*registry_)),
      events_family_(prometheus::BuildCounter()
                         .Name("solarhook_events_total")
                         .Help("Events in acknowledged requests, by type and result")
                         .Register(*registry_)),
      // Buckets from 0.5 ms to the sender's 5 s budget.
      ack_({0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}),
      commit_seconds_(
          {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}),
      commit_batch_({1, 2, 4, 8, 16, 32, 64, 128, 256, 512}) {}

prometheus::Counter& registry::request_counter_(std::size_t route, std::size_t status) {
    auto& slot = requests_[route * k_statuses.size() + status];
    if (auto* c = slot.load(std::memory_order_acquire)) {
        return *c;
    }
    std::lock_guard lock(add_mutex_);
    if (auto* c = slot.load(std::memory_order_acquire)) {
        return *c;
    }
    const auto code =
        k_statuses[status] == 0 ? std::string("other") : std::to_string(k_statuses[status]);
    auto* c = &requests_family_.Add({{"route", std::string(k_route_names[route])}, {"code", code}});
    slot.store(c, std::memory_order_release);
    return *c;
}

prometheus::Counter& registry::event_counter_(std::size_t type, std::size_t result) {
    auto& slot = events_[type * 3 + result];
    if (auto* c = slot.load(std::memory_order_acquire)) {
        return *c;
    }
    std::lock_guard lock(add_mutex_);
    if (auto* c = slot.load(std::memory_order_acquire)) {
        return *c;
    }
    auto* c = &events_family_.Add({{"type", std::string(type_name(static_cast<event_type>(type)))},
                                   {"result", std::string(k_result_names[result])}});
    slot.store(c, std::memory_order_release);
    return *c;
}

void registry::request(route_label r, unsigned status, double seconds) noexcept {
    if (!enabled()) {
        return;
    }
    try {
        request_counter_(static_cast<std::size_t>(r), status_index(status)).Increment();
    } catch (...) {
        // Counting must never fail a request (Add can throw bad_alloc, once).
    }
    if (r == route_label::webhook) {
        ack_.observe(seconds);
    }
}

void registry::event(std::string_view type, event_result r) noexcept {
    if (!enabled()) {
        return;
    }
    // Unknown names count as unclassified: label values stay a bounded set.
    const auto t = parse_type_name(type).value_or(event_type::unclassified);
    try {
        event_counter_(static_cast<std::size_t>(t), static_cast<std::size_t>(r)).Increment();
    } catch (...) {
    }
}

void registry::commit(double seconds, std::size_t batch) noexcept {
    if (!enabled()) {
        return;
    }
    commit_seconds_.observe(seconds);
    commit_batch_.observe(static_cast<double>(batch));
}

std::string registry::scrape(const snapshot& s) const {
    auto families = registry_->Collect();
    const auto one = [&](std::string name, std::string help, MetricType type, ClientMetric m) {
        auto f = family(std::move(name), std::move(help), type);
        f.metric.push_back(std::move(m));
        families.push_back(std::move(f));
    };
    one("solarhook_build_info", "Always 1; the version is a label", MetricType::Gauge,
        gauge(1, {{"version", SOLARHOOK_VERSION}}));
    one("solarhook_ack_seconds", "Webhook requests: first byte to answer sent",
        MetricType::Histogram, ack_.collect());
    one("solarhook_http_connections_open", "Open client connections", MetricType::Gauge,
        gauge(static_cast<double>(s.open_connections)));
    one("solarhook_http_requests_in_flight", "Requests read and not yet answered",
        MetricType::Gauge, gauge(static_cast<double>(s.requests_in_flight)));
    one("solarhook_queue_depth", "Events waiting for a worker", MetricType::Gauge,
        gauge(static_cast<double>(s.queue_depth)));
    one("solarhook_queue_capacity", "Most events the worker queue holds", MetricType::Gauge,
        gauge(static_cast<double>(s.queue_capacity)));
    one("solarhook_store_commit_seconds", "Group commits: begin to fsync", MetricType::Histogram,
        commit_seconds_.collect());
    one("solarhook_store_commit_batch_size", "Operations per group commit", MetricType::Histogram,
        commit_batch_.collect());
    one("solarhook_store_healthy", "1 while the store takes writes, else 0", MetricType::Gauge,
        gauge(s.store_healthy ? 1 : 0));
    one("solarhook_store_database_bytes", "The database and its WAL on disk", MetricType::Gauge,
        gauge(static_cast<double>(s.database_bytes)));
    one("solarhook_dedup_live_keys", "Dedup keys within their time to live", MetricType::Gauge,
        gauge(static_cast<double>(s.dedup_live_keys)));
    one("solarhook_quarantine_rows", "Quarantined bodies kept", MetricType::Gauge,
        gauge(static_cast<double>(s.quarantine_rows)));
    one("solarhook_quarantine_bytes", "Payload bytes of the quarantined bodies kept",
        MetricType::Gauge, gauge(static_cast<double>(s.quarantine_bytes)));
    one("solarhook_log_lines_dropped_total",
        "Diagnostic log lines dropped because stdout did not keep up", MetricType::Counter,
        counter(static_cast<double>(s.log_lines_dropped)));

    auto deliveries =
        family("solarhook_deliveries_total",
               "Delivery attempts by sink and outcome (success, retry, dead)", MetricType::Counter);
    auto retries = family("solarhook_retries_scheduled_total",
                          "Retries scheduled: of an event (stage=event) or of a delivery to a "
                          "sink (stage=delivery)",
                          MetricType::Counter);
    auto oldest =
        family("solarhook_delivery_oldest_pending_seconds",
               "Age of the oldest event with a delivery pending, by sink", MetricType::Gauge);
    auto in_memory = family("solarhook_deliveries_in_memory",
                            "Deliveries a sink holds in memory (at most 4,096)", MetricType::Gauge);
    retries.metric.push_back(counter(static_cast<double>(s.event_retries), {{"stage", "event"}}));
    std::uint64_t delivery_retries = 0;
    for (const auto& k : s.sinks) {
        deliveries.metric.push_back(
            counter(static_cast<double>(k.delivered), {{"outcome", "success"}, {"sink", k.sink}}));
        deliveries.metric.push_back(
            counter(static_cast<double>(k.retried), {{"outcome", "retry"}, {"sink", k.sink}}));
        deliveries.metric.push_back(
            counter(static_cast<double>(k.dead), {{"outcome", "dead"}, {"sink", k.sink}}));
        oldest.metric.push_back(gauge(k.oldest_pending_seconds, {{"sink", k.sink}}));
        in_memory.metric.push_back(gauge(static_cast<double>(k.in_memory), {{"sink", k.sink}}));
        delivery_retries += k.retried;
    }
    retries.metric.push_back(
        counter(static_cast<double>(delivery_retries), {{"stage", "delivery"}}));
    families.push_back(std::move(deliveries));
    families.push_back(std::move(retries));
    families.push_back(std::move(oldest));
    families.push_back(std::move(in_memory));

    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, families);
    return out.str();
}

registry& get() {
    static registry r;
    return r;
}

void set_enabled(bool on) noexcept {
    g_enabled.store(on, std::memory_order_relaxed);
}

bool enabled() noexcept {
    return g_enabled.load(std::memory_order_relaxed);
}

}  // namespace solarhook::metrics
