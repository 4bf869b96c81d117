// The transaction queue: orders jobs by priority and hands them, in batches,
// to free connection actors.
#pragma once

#include "sasync/actors/atoms.hpp"
#include "sasync/actors/defaults.hpp"
#include "sasync/actors/job.hpp"
#include "sasync/actors/priority.hpp"
#include "sasync/actors/queue/connection_actor.hpp"
#include "sasync/actors/queue/queue_status.hpp"

#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace sasync {

/// run(job, priority) -> void
///   Answers after the job committed, or with its error. Errors:
///   invalid_argument (niceness outside -20..20), overloaded (`capacity`
///   jobs already wait), timeout (waited `wait_timeout` for a connection,
///   or no answer from the database within `run_timeout`: the work may
///   still commit), or what the connection reported.
/// run(jobs) -> [error]
///   Each job waits at its own priority and fails like run(job, priority);
///   the answer comes once every one is done, with one error per job in
///   their order (none: committed). A group actor sends the point
///   operations that arrived together this way: one message, not one each.
/// lease(priority) -> connection_actor
///   A connection for the requester alone (a cursor's), from the readers when
///   there are any. It waits in line with the jobs and fails like them
///   (overloaded, timeout); the connection comes back with release, or when
///   the requester terminates.
/// release(connection)
///   Ends a lease.
/// status() -> queue_status
/// The broker drains and closes it, and it has timers of its own
/// (detail/transaction_queue_impl.hpp, where the factory is too).
using transaction_queue = caf::typed_actor<
    caf::replies_to<run_atom, job_ptr, priority>::with<void>,
    caf::replies_to<run_atom, queued_jobs>::with<std::vector<caf::error>>,
    caf::replies_to<lease_atom, priority>::with<connection_actor>,
    caf::reacts_to<release_atom, connection_actor>,
    caf::replies_to<status_atom>::with<queue_status>>;

struct queue_config {
  std::size_t capacity = defaults::queue_capacity;
  /// Jobs committed together in one transaction (group commit); 1 turns
  /// batching off.
  std::size_t max_batch = defaults::max_batch;
  /// How long a job may wait for a connection before it fails with timeout
  /// (the engine's pool_timeout); zero waits forever.
  std::chrono::milliseconds wait_timeout{0};
  /// How long a batch may run before its requesters get timeout (zero: no
  /// limit). A database that stops answering (a frozen server) would
  /// otherwise keep them waiting for good; the connection rejoins the pool
  /// when its answer comes after all.
  std::chrono::milliseconds run_timeout{0};
  /// Connections that take write jobs (and read jobs when there are no
  /// readers).
  std::vector<connection_actor> writers;
  /// Connections that take read jobs only (SQLite WAL readers).
  std::vector<connection_actor> readers;
  /// Up to this many extra writers are opened while work waits and every
  /// writer is busy (the engine's max_overflow); for small statements, once
  /// the oldest has waited twice as long as a batch typically takes. Each is
  /// closed once it has found nothing to do for `overflow_idle`.
  std::size_t max_overflow = 0;
  /// How long an extra writer stays open without work. Under steady load
  /// the pool is busy again within a batch; closing at once would open a
  /// new connection (a server process, on PostgreSQL) every few batches.
  std::chrono::milliseconds overflow_idle{1000};
  /// Makes an extra writer; without it there is no overflow.
  std::function<connection_actor()> open_overflow;
};

} // namespace sasync
