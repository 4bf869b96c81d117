// The broker's lifecycle: idle -> starting (connections, configured tables,
// startup hook, first transaction) -> running -> draining -> stopped, with
// the requests that wait for it, and the shutdown that closes what the
// broker handed out.
#pragma once

#include "sasync/actors/detail/broker_state.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/storage/table_def.hpp"

#include <caf/actor_system.hpp>
#include <caf/result.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <utility>
#include <vector>

namespace sasync::detail {

/// The queue and its connections as `engine` needs them.
transaction_queue_impl make_queue(caf::actor_system& sys,
                                  const broker_config& cfg,
                                  const engine_config& engine);

/// Creates missing tables and indexes, one broker at a time on PostgreSQL.
void create_tables(connection& conn, dialect_kind dialect,
                   const std::vector<table_def>& defs);

/// Creates the tables, runs the startup hook, then the first transaction.
void start(broker_ptr self);

/// Calls `go` with no error now when running, or once the startup is done
/// (starting it when idle); with an error when shutting down, when too many
/// requests wait for the startup, or when the startup fails.
void when_running(broker_ptr self, held_request go);

/// Runs `go(rp)` when running, or answers `rp` with why not.
template <class Promise, class Go>
void when_running(broker_ptr self, Promise rp, Go go) {
  if (self->state.phase == broker_phase::running)
    return go(rp);
  when_running(self, [rp, go](const caf::error& err) mutable {
    if (err)
      rp.deliver(err);
    else
      go(rp);
  });
}

/// Calls `go` once sasync_items and sasync_array exist.
void with_object_tables(broker_ptr self, held_request go);

/// Keeps a weak reference to a cursor or bulk insert, closed at shutdown
/// unless it stops before.
void track_worker(broker_ptr self, const caf::strong_actor_ptr& worker);

/// Forgets a group actor, cursor or bulk insert that stopped.
void forget(broker_state& st, const caf::actor_addr& gone);

/// shutdown(): refuses new work, closes the group actors, cursors and bulk
/// inserts, drains and closes the queue, answers, then quits.
caf::result<void> shut_down(broker_ptr self);

} // namespace sasync::detail
