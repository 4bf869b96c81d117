// What an actor attached to a cursor receives (sAsync's consumer keyword).
#pragma once

#include "sasync/actors/atoms.hpp"
#include "sasync/actors/query/cursor.hpp"
#include "sasync/actors/query/row_batch.hpp"

#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace sasync {

/// rows(cursor, batch)   rows pushed while the consumer's credit lasts,
///                       never more than it granted; the last batch has
///                       `done` set
/// rows(cursor, error)   the error that ended the cursor (a failing row,
///                       timeout, shutting_down); nothing follows it
/// A consumer grants credit by sending credit(n) to the cursor.
using row_consumer =
    caf::typed_actor<caf::reacts_to<rows_atom, cursor, row_batch>,
                     caf::reacts_to<rows_atom, cursor, caf::error>>;

} // namespace sasync
