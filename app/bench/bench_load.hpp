// sasync's side of a run: client actors, each with one request in flight,
// working through an items actor.
#pragma once

#include "bench_report.hpp"
#include "bench_workload.hpp"

#include "sasync/actors/objects/items.hpp"

#include <caf/fwd.hpp>

#include <string>

namespace sasync::bench {

struct load_result {
  throughput rate;
  latencies lat;
  std::uint64_t failed = 0;
  std::string first_error;
};

/// Runs the workload's operations on `store` from `clients` actors; client
/// k does operations k, k + clients, ... one after another. Reads check
/// that they found the value written.
load_result run_load(caf::actor_system& sys, const items& store,
                     const workload& w, std::size_t clients);

} // namespace sasync::bench
