// The bulk insert actor (sAsync's produceRows): rows written in input order,
// a batch per transaction, each row answering its key.
#pragma once

#include "sasync/actors/atoms.hpp"
#include "sasync/actors/priority.hpp"
#include "sasync/storage/value.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <vector>

namespace sasync {

struct insert_progress {
  std::uint64_t written = 0;      ///< rows committed so far
  std::uint64_t pending = 0;      ///< rows accepted, not yet committed
  std::uint64_t transactions = 0; ///< batches run
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, insert_progress& x) {
  return f(x.written, x.pending, x.transactions);
}

/// write(rows) -> keys       appends rows; answers after they committed,
///                           with their keys in input order (none when the
///                           insert names no key column)
/// write(rows, priority) -> keys
///                           the same at a priority (without one:
///                           defaults::insert_priority). Rows still commit
///                           in input order: a batch goes to the queue at
///                           the most urgent priority of the writes waiting,
///                           since all of them wait for it.
/// progress() -> insert_progress
/// One batch runs at a time, so rows commit in input order. A batch takes
/// up to batch_size rows from the writes waiting, each write in a savepoint
/// of its own: a failing write fails alone. A write longer than batch_size
/// spans transactions; if one of them fails, the write's error says how
/// many of its rows committed before it. Errors: invalid_argument (a row of
/// the wrong width, refused whole), overloaded (the write would make more
/// than four batches of rows wait; a first write of more is refused too),
/// shutting_down (the broker closed it at shutdown, once the writes it had
/// accepted were answered: detail/bulk_insert_impl.hpp), invalid_argument
/// for a niceness outside -20..20 (refused before it changes anything), and
/// what the database reported.
/// The insert ends once its owner (the actor that asked the broker for it)
/// terminates, or its node disconnects, after the writes it accepted have
/// committed; writes that arrive meanwhile fail with shutting_down.
using bulk_insert = caf::typed_actor<
    caf::replies_to<write_atom, std::vector<row>>::with<std::vector<value>>,
    caf::replies_to<progress_atom>::with<insert_progress>,
    caf::replies_to<write_atom, std::vector<row>,
                    priority>::with<std::vector<value>>>;

} // namespace sasync
