// The connection actor: owns one database connection and runs batches of
// jobs on it, one transaction per batch.
#pragma once

#include "sasync/actors/atoms.hpp"
#include "sasync/actors/job.hpp"
#include "sasync/actors/query/row_batch.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace sasync {

/// What became of a batch.
struct batch_report {
  /// False when no job ran because the connection could not be opened:
  /// the batch may then run elsewhere or later.
  bool started = false;
  /// One per job, empty for success; when not started, why.
  std::vector<caf::error> errors;
  /// Statements the batch had to prepare (misses of the statement cache).
  std::uint64_t prepared = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batch_report& x) {
  return f(x.started, x.errors, x.prepared);
}

/// run(jobs) -> batch_report
///   Runs the jobs in one transaction, each in its own savepoint when there
///   are several, and commits; answers after the commit with one error per
///   job. A job that fails rolls back to its savepoint and fails alone; a
///   failed commit fails every job. Opens the connection on first use and
///   again after it broke; a connection found dead at BEGIN is reopened once
///   (nothing had run on it).
/// query(sql, params) -> columns
///   Opens a cursor in a read transaction of its own (a connection the
///   transaction queue leased out; see cursor.hpp) and answers its column
///   names.
/// fetch(n) -> row_batch
///   The cursor's next rows, at most n; once it is done the transaction
///   ends. An error ends it too.
/// cancel() -> void
///   Ends the cursor and its transaction early. A batch that arrives while a
///   cursor is open ends it first.
/// connect() -> void
///   Opens the connection unless it is open; the error says why not.
/// close() -> void
///   Closes the connection; the actor then quits.
using connection_actor = caf::typed_actor<
    caf::replies_to<run_atom, job_batch>::with<batch_report>,
    caf::replies_to<query_atom, std::string,
                    std::vector<value>>::with<std::vector<std::string>>,
    caf::replies_to<fetch_atom, std::uint32_t>::with<row_batch>,
    caf::replies_to<cancel_atom>::with<void>,
    caf::replies_to<connect_atom>::with<void>,
    caf::replies_to<close_atom>::with<void>>;

struct connection_config {
  engine_config engine;
  access_mode mode = access_mode::write;
  /// Runs the actor on its own thread so database calls never block CAF's
  /// scheduler; off only under the deterministic test coordinator.
  bool detached = true;
  /// Opened beyond the pool (max_overflow): counted apart in /metrics.
  bool overflow = false;
};

connection_actor spawn_connection(caf::actor_system& sys,
                                  connection_config cfg);

} // namespace sasync
