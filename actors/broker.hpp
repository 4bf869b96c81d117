// The access broker (sAsync's AccessBroker): one database, its tables, its
// transaction queue and its lifecycle.
#pragma once

#include "actors/atoms.hpp"
#include "actors/broker_status.hpp"
#include "actors/job.hpp"
#include "actors/priority.hpp"
#include "storage/engine_config.hpp"
#include "storage/table_def.hpp"
#include "storage/value.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sasync {

/// Lifecycle: starting (connect, create the configured tables, run the
/// startup hook, then the first transaction) -> running -> draining ->
/// stopped. Requests that arrive while starting wait until it runs; if
/// starting fails they get its error and the next request starts again.
///
/// table(def) -> void            creates the table and indexes if missing
/// transact(job, priority) -> void
///                               runs a local closure (see transact.hpp)
/// sql(statement, params) -> result_set
///                               one statement, `?` parameters bound
/// status() -> broker_status
/// shutdown() -> void            refuses new work (shutting_down), answers
///                               after every accepted job finished and the
///                               connections closed; the broker then quits
using broker = caf::typed_actor<
    caf::replies_to<table_atom, table_def>::with<void>,
    caf::replies_to<transact_atom, job_ptr, priority>::with<void>,
    caf::replies_to<sql_atom, std::string,
                    std::vector<value>>::with<result_set>,
    caf::replies_to<status_atom>::with<broker_status>,
    caf::replies_to<shutdown_atom>::with<void>>;

struct broker_config {
  /// The database; the process-wide default_engine() when empty.
  std::optional<engine_config> engine;
  /// Created (if missing) before anything else runs.
  std::vector<table_def> tables;
  /// sAsync's startup(): runs once the tables exist.
  std::function<void(connection&)> startup;
  /// sAsync's first(): the first transaction, before any request.
  std::function<void(connection&)> first;
  std::size_t queue_capacity = 10'000;
  std::size_t max_batch = 64;
  /// Connection actors on their own threads; off only under the
  /// deterministic test coordinator.
  bool detached = true;
};

broker spawn_broker(caf::actor_system& sys, broker_config cfg = {});

} // namespace sasync
