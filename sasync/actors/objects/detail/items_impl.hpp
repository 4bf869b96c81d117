// The items actor's private interface: what only the broker sends it.
#pragma once

#include "sasync/actors/objects/detail/dict_impl.hpp"
#include "sasync/actors/objects/items.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sasync::detail {

/// close() -> void   the broker's, at shutdown: answers once every accepted
///                   request is answered, then quits; later requests get
///                   shutting_down. From anyone else: unexpected_message.
/// dict(d)           the broker's: `d` is the dict of the same group; from
///                   then on requests go through it while it lives
///                   (dict_route.hpp). From anyone else: ignored.
/// hold(names) -> ticket
///                   the broker's, for a batch (group_hold.hpp): answered
///                   once every earlier operation on the names finished;
///                   later ones wait until release(ticket) -> void.
/// dispatch()        its own reminder: sends the point operations gathered
///                   since (job_outbox.hpp). From anyone else:
///                   unexpected_message.
using items_impl = items::extend<
    caf::replies_to<close_atom>::with<void>,
    caf::reacts_to<dict_atom, dict_impl>,
    caf::replies_to<hold_atom, std::vector<std::string>>::with<std::uint64_t>,
    caf::replies_to<release_atom, std::uint64_t>::with<void>,
    caf::reacts_to<dispatch_atom>>;

} // namespace sasync::detail
