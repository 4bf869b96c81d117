// sasync-bench's output: one figure a line, `name: value unit`, so a script
// (or CTest) can read any run.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sasync::bench {

/// `name: value unit`, with `decimals` digits after the point.
void figure(std::string_view name, double value, std::string_view unit,
            int decimals = 0);

/// `name: text`, for the settings a run used.
void setting(std::string_view name, std::string_view text);

/// Operations per second, and the ratio of `ours` to `base` (`name: R x`).
void ratio(std::string_view name, double ours, double base);

/// The process's peak resident set so far, in MB.
double peak_rss_mb();

/// CPU seconds (user and system) the process has used so far.
double cpu_seconds();

/// The process's resident set now, in MB.
double current_rss_mb();

/// Operation latencies, to report percentiles.
class latencies {
public:
  void add(std::chrono::steady_clock::duration d) {
    ns_.push_back(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()));
  }

  void merge(const latencies& other) {
    ns_.insert(ns_.end(), other.ns_.begin(), other.ns_.end());
  }

  /// The `p`-th percentile (0..100) in microseconds; 0 when empty.
  double percentile_us(double p);

  std::size_t size() const noexcept { return ns_.size(); }

private:
  std::vector<std::uint64_t> ns_;
};

/// What one measured run did.
struct throughput {
  std::uint64_t ops = 0;
  double seconds = 0;
  /// CPU seconds of the whole process meanwhile, when measured.
  double cpu_seconds = 0;

  double per_second() const {
    return seconds > 0 ? static_cast<double>(ops) / seconds : 0;
  }
};

/// Runs `fn` and returns how long it took.
template <class F> double seconds_of(F&& fn) {
  auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

} // namespace sasync::bench
