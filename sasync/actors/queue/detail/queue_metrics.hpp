// What the transaction queue counts for /metrics: how long jobs wait, how
// many run in one transaction and how long it takes, and how each job
// ended. Kept only while metrics are enabled (sasyncd's [metrics] port).
#pragma once

#include "sasync/actors/errc.hpp"
#include "sasync/storage/metrics.hpp"

#include <caf/error.hpp>

#include <chrono>
#include <map>
#include <string>

namespace sasync::detail {

class queue_metrics {
public:
  using clock = std::chrono::steady_clock;

  queue_metrics()
      : waited_(metrics::histogram_of(
            "sasync_queue_wait_seconds",
            "Time jobs waited in the transaction queue for a connection.",
            metrics::latency_bounds())),
        batch_jobs_(metrics::histogram_of(
            "sasync_transaction_jobs",
            "Jobs committed together in one transaction (group commit).",
            metrics::size_bounds())),
        ran_(metrics::histogram_of(
            "sasync_transaction_seconds",
            "Time a connection took for one transaction of jobs.",
            metrics::latency_bounds())),
        ok_(result_counter("ok")) {
  }

  /// A job waited from `arrived` until now.
  void dispatched(clock::time_point arrived, clock::time_point now) {
    if (metrics::enabled())
      waited_.observe(now - arrived);
  }

  /// A transaction of `jobs` jobs ran from `started` until now.
  void ran(std::size_t jobs, clock::time_point started, clock::time_point now) {
    if (!metrics::enabled())
      return;
    batch_jobs_.observe(static_cast<double>(jobs));
    ran_.observe(now - started);
  }

  /// A job, or work refused before it waited, ended with `err` (none: ok).
  void ended(const caf::error& err) {
    if (!metrics::enabled())
      return;
    if (!err) {
      ok_.add();
      return;
    }
    auto result = err.category() == errc_category
                      ? to_string(static_cast<errc>(err.code()))
                      : std::string{"other"};
    auto i = failures_.find(result);
    if (i == failures_.end())
      i = failures_.emplace(result, &result_counter(result)).first;
    i->second->add();
  }

private:
  static metrics::counter& result_counter(const std::string& result) {
    return metrics::counter_of("sasync_jobs_total",
                               "Jobs the transaction queue answered, by "
                               "result: ok or the sasync::errc.",
                               {{"result", result}});
  }

  metrics::histogram& waited_;
  metrics::histogram& batch_jobs_;
  metrics::histogram& ran_;
  metrics::counter& ok_;
  /// The registry's counters by failure, so the hot path takes no lock.
  std::map<std::string, metrics::counter*> failures_;
};

} // namespace sasync::detail
