// Prometheus metrics. What the request path counts (requests, acks, events) is
// bumped without a lock: prometheus-cpp's counters are atomic doubles, looked up
// through a table of atomic pointers filled on first use; its histogram takes a
// mutex per observation, so the histograms here are atomic bucket arrays. What
// other components own (queue depth, store size, deliveries) is read at scrape
// time from a snapshot the caller fills. Serialized with prometheus-cpp's
// TextSerializer.
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace solarhook::metrics {

// observe() is a few relaxed atomic adds.
class histogram {
  public:
    explicit histogram(std::vector<double> upper_bounds);
    void observe(double value) noexcept;
    prometheus::ClientMetric collect() const;
    std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }

  private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // per bucket, not cumulative
    std::atomic<std::uint64_t> count_{0};
    std::atomic<double> sum_{0};
};

enum class route_label { webhook, healthz, readyz, metrics, other };
inline constexpr std::size_t k_route_labels = 5;
// The HTTP statuses solarhook answers; any other is counted as "other".
inline constexpr std::array<unsigned, 15> k_statuses{200, 400, 401, 403, 404, 405, 408, 413,
                                                     415, 422, 429, 431, 500, 503, 0};
enum class event_result { accepted, duplicate, unclassified };

struct sink_snapshot {
    std::string sink;
    std::uint64_t delivered = 0;
    std::uint64_t retried = 0;
    std::uint64_t dead = 0;
    std::size_t in_memory = 0;
    double oldest_pending_seconds = 0;  // 0: none pending in memory
};

// Read at scrape time from the components that own the numbers.
struct snapshot {
    std::size_t open_connections = 0;
    std::size_t requests_in_flight = 0;
    std::size_t queue_depth = 0;
    std::size_t queue_capacity = 0;
    bool store_healthy = true;
    std::int64_t database_bytes = 0;
    std::size_t dedup_live_keys = 0;
    std::int64_t quarantine_rows = 0;
    std::int64_t quarantine_bytes = 0;
    std::uint64_t event_retries = 0;  // events the durable inbox scheduled again
    std::uint64_t log_lines_dropped = 0;
    std::vector<sink_snapshot> sinks;
};

class registry {
  public:
    registry();
    // A finished request: its route, status and seconds from first byte to answer sent.
    void request(route_label r, unsigned status, double seconds) noexcept;
    void event(std::string_view type, event_result r) noexcept;
    // A group commit: its seconds (begin to fsync) and its operations.
    void commit(double seconds, std::size_t batch) noexcept;
    // The text exposition format (version 0.0.4).
    std::string scrape(const snapshot& s) const;

  private:
    prometheus::Counter& request_counter_(std::size_t route, std::size_t status);
    prometheus::Counter& event_counter_(std::size_t type, std::size_t result);

    std::shared_ptr<prometheus::Registry> registry_;
    prometheus::Family<prometheus::Counter>& requests_family_;
    prometheus::Family<prometheus::Counter>& events_family_;
    std::mutex add_mutex_;  // first use of a label set only
    std::array<std::atomic<prometheus::Counter*>, k_route_labels * k_statuses.size()> requests_{};
    std::array<std::atomic<prometheus::Counter*>, 8 * 3> events_{};
    histogram ack_;
    histogram commit_seconds_;
    histogram commit_batch_;
};

// The process-wide registry; counting is skipped while disabled (metrics.enabled).
registry& get();
void set_enabled(bool on) noexcept;
bool enabled() noexcept;

}  // namespace solarhook::metrics
