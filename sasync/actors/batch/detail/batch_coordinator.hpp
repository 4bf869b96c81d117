// The broker's side of an atomic batch: holds on the names and cells it
// touches, one job with all operations, then the holds' release.
#pragma once

#include "sasync/actors/detail/broker_state.hpp"
#include "sasync/actors/detail/group_registry.hpp"
#include "sasync/actors/priority.hpp"
#include "sasync/storage/batch_op.hpp"

#include <caf/result.hpp>

#include <functional>
#include <vector>

namespace sasync::detail {

/// The actor of a group, as the broker hands it out; or, for `alive`
/// lookups, the one that lives, if any (nothing is made).
using group_lookup =
    std::function<caf::strong_actor_ptr(group_kind, std::int64_t)>;

/// batch(ops, prio): checks `ops`, then, group by group in (kind, group)
/// order (so two batches never wait for each other in a circle), holds
/// the names and cells they touch in the group actors; runs them in one
/// job at `prio` (one transaction, or a savepoint of one); releases the
/// holds and answers one result per operation or the first failure.
/// Items and dict of a group share rows: where the group's dict lives
/// (`alive`), it first writes behind what it holds for the group, and
/// after the job it takes what the database holds for the batch's names,
/// before the batch answers (objects/dict_through.cpp).
caf::result<std::vector<batch_result>>
run_batch(broker_ptr self, std::vector<batch_op> ops, priority prio,
          group_lookup groups, group_lookup alive);

} // namespace sasync::detail
