// The dict actor's private interface: the broker's close and its own timer.
#pragma once

#include "sasync/actors/job.hpp"
#include "sasync/actors/objects/dict.hpp"

#include <string>
#include <vector>

namespace sasync::detail {

/// close() -> void   the broker's, at shutdown: flushes, then quits; the
///                   error says what was lost
/// retry             its own timer: failed writes go again
/// From anyone else, both get unexpected_message.
/// through(work, names, all, priority) -> void
///                   an items request of the same group, run in its place:
///                   after every earlier request and write behind, before
///                   every later one; then the cache takes what the database
///                   holds for `names` (the whole group when `all`). `work`
///                   none: only that. A job holds code, so only a local
///                   items actor can send it (dict_through.cpp).
using dict_impl = dict::extend<
    caf::replies_to<close_atom>::with<void>, caf::reacts_to<retry_atom>,
    caf::replies_to<through_atom, job_ptr, std::vector<std::string>, bool,
                    priority>::with<void>>;

} // namespace sasync::detail
