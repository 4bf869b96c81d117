// The items actor's private interface: what only the broker sends it.
#pragma once

#include "sasync/actors/objects/detail/dict_impl.hpp"
#include "sasync/actors/objects/items.hpp"

namespace sasync::detail {

/// close() -> void   the broker's, at shutdown: answers once every accepted
///                   request is answered, then quits; later requests get
///                   shutting_down. From anyone else: unexpected_message.
/// dict(d)           the broker's: `d` is the dict of the same group; from
///                   then on requests go through it while it lives
///                   (dict_route.hpp). From anyone else: ignored.
using items_impl = items::extend<caf::replies_to<close_atom>::with<void>,
                                 caf::reacts_to<dict_atom, dict_impl>>;

} // namespace sasync::detail
