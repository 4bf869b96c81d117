// The process's metrics: counters, gauges and histograms that the hot path
// raises with relaxed atomics, rendered in Prometheus' text exposition
// format (0.0.4) when a scrape asks. One registry per process, as the
// event log is one: a node hosts one broker.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sasync::metrics {

/// A metric's labels, in the order they are rendered.
using labels = std::vector<std::pair<std::string, std::string>>;

class counter {
public:
  void add(std::uint64_t n = 1) noexcept {
    value_.fetch_add(n, std::memory_order_relaxed);
  }
  /// For totals kept elsewhere (a status counter read at scrape time).
  void set(std::uint64_t total) noexcept {
    value_.store(total, std::memory_order_relaxed);
  }
  std::uint64_t value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

private:
  std::atomic<std::uint64_t> value_{0};
};

class gauge {
public:
  void set(double x) noexcept { value_.store(x, std::memory_order_relaxed); }
  /// For things counted up and down (actors alive).
  void add(double x) noexcept {
    // No fetch_add for double before C++20.
    auto old = value_.load(std::memory_order_relaxed);
    while (
        !value_.compare_exchange_weak(old, old + x, std::memory_order_relaxed))
      ;
  }
  double value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

private:
  std::atomic<double> value_{0};
};

/// Durations or sizes in fixed buckets; the bounds are upper bounds, the
/// last bucket (+Inf) is implied.
class histogram {
public:
  static constexpr std::size_t max_bounds = 16;

  explicit histogram(std::vector<double> bounds);

  void observe(double x) noexcept;
  void observe(std::chrono::steady_clock::duration d) noexcept {
    observe(std::chrono::duration<double>(d).count());
  }

  const std::vector<double>& bounds() const noexcept { return bounds_; }
  /// Observations in bucket `i` alone (not cumulative); i == bounds().size()
  /// is +Inf.
  std::uint64_t bucket(std::size_t i) const noexcept {
    return counts_[i].load(std::memory_order_relaxed);
  }
  std::uint64_t count() const noexcept;
  double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

private:
  std::vector<double> bounds_;
  std::array<std::atomic<std::uint64_t>, max_bounds + 1> counts_{};
  std::atomic<double> sum_{0};
};

/// Bucket bounds for latencies: 100 µs to 10 s.
std::vector<double> latency_bounds();
/// Bucket bounds for counts of things (jobs in one transaction): 1 to 1024.
std::vector<double> size_bounds();

/// The metric `family` with `labels`, made on first use and kept for the
/// process's life, so a caller may keep the reference. The family is
/// declared with its help text on first use; asking for one name as two
/// kinds throws std::logic_error. Takes a lock: keep hot paths to the
/// reference.
counter& counter_of(std::string_view family, std::string_view help,
                    const labels& ls = {});
gauge& gauge_of(std::string_view family, std::string_view help,
                const labels& ls = {});
histogram& histogram_of(std::string_view family, std::string_view help,
                        std::vector<double> bounds, const labels& ls = {});

/// Drops the series of `family` with `labels` (of any kind) from scrapes:
/// for series whose subject went away (a peer's connection). Whoever holds
/// its reference must not use it again; asking for it again makes a new one
/// from zero.
void remove(std::string_view family, const labels& ls);

/// Whether the hot path records (sasyncd turns it on with [metrics] port;
/// benchmarks turn it off to measure what it costs). Off by default.
bool enabled() noexcept;
void enable(bool on) noexcept;

/// Runs at every scrape before rendering, to set what is read rather than
/// counted (a broker's status, the process's memory). Returns an id for
/// remove_collector.
std::uint64_t add_collector(std::function<void()> collect);
void remove_collector(std::uint64_t id);

/// Runs the collectors, then renders every metric: the text a scrape of
/// /metrics answers.
std::string scrape();

/// The process's resident memory and open descriptors, as
/// process_resident_memory_bytes and process_open_fds (Linux /proc).
void collect_process_figures();

} // namespace sasync::metrics
