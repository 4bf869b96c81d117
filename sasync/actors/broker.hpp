// The access broker (sAsync's AccessBroker): one database, its tables, its
// transaction queue and its lifecycle.
#pragma once

#include "sasync/actors/atoms.hpp"
#include "sasync/actors/defaults.hpp"
#include "sasync/actors/job.hpp"
#include "sasync/actors/net/node.hpp"
#include "sasync/actors/priority.hpp"
#include "sasync/storage/engine_config.hpp"
#include "sasync/storage/table_def.hpp"
#include "sasync/storage/value.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <cstdint>
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
/// prepare(name, statement) -> void
///                               names a statement (sAsync's s()); each
///                               connection prepares it once, on first use
/// prepared(name) -> bool        whether a statement is named `name` (sAsync's
///                               s() check); naming the same text again is
///                               fine, another text under a taken name is
///                               refused (invalid_argument) and the first
///                               stays
/// execute(name, params) -> result_set
///                               runs a named statement; missing when no
///                               statement has that name
/// query(statement, params) -> cursor_info
///                               a cursor over the rows (cursor.hpp), pulled
///                               with fetch; it holds a connection until done
/// query(statement, params, consumer, credit) -> cursor_info
///                               the same, pushed to `consumer` (credit rows
///                               now, more as it grants them)
/// sql, execute and query also take named_values in place of the list:
///                               `:name` parameters (named_params.hpp),
///                               answered alike; a statement with `?`, a
///                               name without a value or a value no name
///                               uses is invalid_argument, and nothing runs
/// table, sql, execute and query also take a trailing `priority`
///                               (priority.hpp): their place in the
///                               queue. Without one, statements go at
///                               defaults::statement_priority (all alike,
///                               so they keep their order) and table at
///                               defaults::table_priority (do_next); out of
///                               range is invalid_argument, nothing runs
/// batch(ops) -> vector<batch_result>
///                               data operations (batch_op.hpp: items and
///                               array set, set_if, delete, delete_if;
///                               statements) of any groups, in one
///                               transaction: every result in order, or
///                               the first failure, whose words start with
///                               "operation N (...)" (failed_operation(),
///                               batch_check.hpp) and whose code is the
///                               operation's (conflict with the current
///                               version, invalid_argument, database_error,
///                               ...); then nothing of the batch stays.
///                               Within a group it keeps the per-name order
///                               of the group's actor; a trailing priority
///                               as below (default: write_priority).
///                               Empty, over max_batch_ops, an unknown kind
///                               or a bad name: invalid_argument, nothing
///                               runs
/// insert(spec) -> bulk_insert   an ordered bulk insert (bulk_insert.hpp)
/// items(group) -> items, dict(group) -> dict, array(group) -> array
///                               the group's actor: one per group and kind,
///                               made on first use (with the tables
///                               sasync_items and sasync_array); see
///                               items.hpp, dict.hpp, array.hpp
/// status() -> broker_status
/// shutdown() -> void            refuses new work (shutting_down), closes
///                               the group actors (dicts flush), bulk
///                               inserts (after their writes) and cursors
///                               (ended with shutting_down), answers
///                               after every accepted job finished and the
///                               connections closed; the broker then quits.
///                               An error says which dict writes were lost,
///                               or (timeout) that a connection stuck in a
///                               silent database did not close within
///                               run_timeout and close_grace (2 s).
/// The group actors, cursors and bulk inserts it hands out are public
/// handles: their private messages (close, open, timers) reach them only
/// from the broker or themselves. One that stops for any reason is
/// forgotten, and the next request for its group makes a new one.
using broker =
    node::extend<caf::replies_to<transact_atom, job_ptr, priority>::with<void>,
                 caf::replies_to<shutdown_atom>::with<void>>;

struct broker_config {
  /// The database; the process-wide default_engine() when empty.
  std::optional<engine_config> engine;
  /// Created (if missing) before anything else runs.
  std::vector<table_def> tables;
  /// sAsync's startup(): runs once the tables exist. The hooks run alone,
  /// before any request, so they get the whole connection (closures, which
  /// share batches, get a transaction_scope).
  std::function<void(connection&)> startup;
  /// sAsync's first(): the first transaction, before any request.
  std::function<void(connection&)> first;
  std::size_t queue_capacity = defaults::queue_capacity;
  /// Entries each dict keeps in memory once they are written; the least
  /// recently used go first (entries not written yet always stay).
  std::size_t dict_cache_capacity = defaults::dict_cache_capacity;
  std::size_t max_batch = defaults::max_batch;
  /// A group actor nobody asked the broker for during this long is let go:
  /// it stops once no handle to it is left and its work is done.
  std::chrono::milliseconds idle_timeout{defaults::group_idle_timeout};
  /// A cursor nobody asked for rows during this long ends and gives its
  /// connection back.
  std::chrono::milliseconds cursor_idle_timeout{
      defaults::cursor_idle_timeout};
  /// Connection actors on their own threads; off only under the
  /// deterministic test coordinator.
  bool detached = true;
};

broker spawn_broker(caf::actor_system& sys, broker_config cfg = {});

} // namespace sasync
