// The transaction queue's private interface: what only the broker sends it
// (drain, close) and its own timers; and the factory, which only the broker
// calls.
#pragma once

#include "sasync/actors/queue/transaction_queue.hpp"

namespace sasync::detail {

/// drain() -> void
///   Answers once no job waits or runs.
/// close() -> void
///   Closes every connection, answers, then quits. Jobs still waiting fail
///   with shutting_down. A connection that does not close within
///   run_timeout (stuck in a database that does not answer) is left
///   behind, and the answer is errc::timeout.
/// expire(), retry(connection), retire(connection, mark), overrun(),
/// dispatch()
///   The queue's own timers and reminders: fail the jobs whose wait_timeout
///   has passed; fail the batches that have run longer than run_timeout;
///   reconnect a connection that could not open (backoff 50 ms doubling to
///   5 s; work that never started waits for it, up to wait_timeout); close
///   an extra writer that has had no work since `mark`; send what waits once
///   the messages that were waiting at a connection's report are handled.
///   From anyone else: unexpected_message.
using transaction_queue_impl = transaction_queue::extend<
    caf::replies_to<drain_atom>::with<void>,
    caf::replies_to<close_atom>::with<void>, caf::reacts_to<expire_atom>,
    caf::reacts_to<retry_atom, connection_actor>,
    caf::reacts_to<retire_atom, connection_actor, std::uint64_t>,
    caf::reacts_to<overrun_atom>, caf::reacts_to<dispatch_atom>>;

transaction_queue_impl spawn_transaction_queue(caf::actor_system& sys,
                                               queue_config cfg);

} // namespace sasync::detail
