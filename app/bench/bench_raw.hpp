// The raw libraries doing a run's work without sasync, in the same process
// run, so sasync's figures come with ratios against them.
#pragma once

#include "bench_report.hpp"
#include "bench_workload.hpp"

#include <string>
#include <vector>

namespace sasync::bench {

/// A raw library's figure.
struct baseline {
  std::string name; ///< raw_..., the figure's name
  throughput rate;
  /// Per-operation latencies, for baselines that run one operation at a time.
  latencies lat;
};

/// SQLite (SQLiteCpp, the engine's synchronous and journal_mode):
/// set: one transaction of prepared inserts (the ceiling), a transaction
/// per wave of inserts (one per client: the ceiling when each client waits
/// for its own commit) and one transaction per insert; get: a prepared
/// point select; mixed: both, one transaction per write. All on one
/// connection in one thread.
std::vector<baseline> sqlite_baselines(const engine_config& engine,
                                       const workload& w);

/// PostgreSQL, one connection: libpqxx with one transaction per operation,
/// and libpq's pipeline mode (the one-connection ceiling); for set also the
/// pipeline with a commit per wave (one insert per client).
std::vector<baseline> postgresql_baselines(const engine_config& engine,
                                           const workload& w);

} // namespace sasync::bench
