// sasync-bench's output: one figure a line, `name: value unit`, so a script
// (or CTest) can read any run.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sys/types.h>

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

/// What a process has used so far: CPU time and context switches, summed
/// over all its threads. A voluntary switch is a thread going to sleep (a
/// futex or condition-variable wait, a sleep between polls, an fsync),
/// and each one ends only with a wake-up (another thread's notify, a timer,
/// the disk), so voluntary switches count wake-ups: a hand-off between
/// threads costs one when the receiver was asleep. Counting futex wake calls
/// instead would need tracing (perf, strace) that slows the run down, and
/// would miss the timed sleeps of CAF's polling workers, which wake by a
/// timer rather than a futex. Involuntary switches are preemptions.
struct process_usage {
  double cpu_seconds = 0;
  std::uint64_t voluntary_switches = 0;
  std::uint64_t involuntary_switches = 0;

  process_usage operator-(const process_usage& before) const {
    return {cpu_seconds - before.cpu_seconds,
            voluntary_switches - before.voluntary_switches,
            involuntary_switches - before.involuntary_switches};
  }
};

/// This process, from getrusage(RUSAGE_SELF): on Linux the sum over all
/// its threads, those that ended included.
process_usage usage_now();

/// Another process, from /proc/PID/stat (CPU) and /proc/PID/task/*/status
/// (switches; threads that ended are not counted there).
process_usage usage_of(pid_t pid);

/// `name_cpu_per_op`, `name_context_switches_per_op` (voluntary and
/// involuntary) and `name_wakeups_per_op` (voluntary) of `used` over `ops`.
void per_op_figures(const std::string& name, const process_usage& used,
                    std::uint64_t ops);

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

/// How long one thread takes to wake another that sleeps on a condition
/// variable, the hand-off a detached connection thread costs: half of each
/// of `rounds` ping-pong round trips between two threads.
latencies thread_wakeups(int rounds);

/// What one measured run did.
struct throughput {
  std::uint64_t ops = 0;
  double seconds = 0;
  /// What the whole process used meanwhile, when measured.
  process_usage used;

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

/// Runs `fn` and puts how long it took and what the process used into `rate`.
template <class F> void measure(throughput& rate, F&& fn) {
  auto before = usage_now();
  rate.seconds = seconds_of(std::forward<F>(fn));
  rate.used = usage_now() - before;
}

} // namespace sasync::bench
