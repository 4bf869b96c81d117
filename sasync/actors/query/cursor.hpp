// The cursor actor (sAsync's selex / Deferator): the rows of one query,
// handed out in batches no larger than asked for, so a result of any size
// passes through constant memory.
#pragma once

#include "sasync/actors/atoms.hpp"
#include "sasync/actors/query/row_batch.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace sasync {

/// Rows one fetch or push carries at most; a larger request counts as this.
/// A block of more would not load on a remote client.
constexpr std::uint32_t max_fetch_rows = row_block::max_loaded_rows;

/// A cursor holds a connection of its own (lent by the transaction queue),
/// so other transactions run while it is open. It gives the connection back
/// when its rows are done, on an error, on cancel, when its owner (the actor
/// that made the query, or its consumer) terminates, or when nobody asked it
/// for rows during the broker's cursor_idle_timeout. Pending fetches (or the
/// consumer) get the error that ended it; then the actor is gone, so a later
/// request fails with caf::sec::request_receiver_down (client.hpp's fetch()
/// says "the cursor has ended" instead).
///
/// fetch(n) -> row_batch   the next rows, at most n (n >= 1); `done` is set
///                         on the batch after which no rows follow
/// credit(n)               with a consumer attached (row_consumer.hpp): it
///                         may take n more rows; the cursor pushes batches
///                         while the credit lasts, never beyond it
/// cancel() -> void        ends the cursor early; a consumer hears nothing
///                         more
/// At shutdown the broker closes it: it ends with shutting_down
/// (detail/cursor_impl.hpp).
using cursor = caf::typed_actor<
    caf::replies_to<fetch_atom, std::uint32_t>::with<row_batch>,
    caf::reacts_to<credit_atom, std::uint32_t>,
    caf::replies_to<cancel_atom>::with<void>>;

/// The broker's answer to a query: the cursor and the result's columns.
struct cursor_info {
  cursor rows;
  std::vector<std::string> columns;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cursor_info& x) {
  return f(x.rows, x.columns);
}

} // namespace sasync
