// The dict actor's private interface: the broker's close and its own timer.
#pragma once

#include "sasync/actors/objects/dict.hpp"

namespace sasync::detail {

/// close() -> void   the broker's, at shutdown: flushes, then quits; the
///                   error says what was lost
/// retry             its own timer: failed writes go again
/// From anyone else, both get unexpected_message.
using dict_impl = dict::extend<caf::replies_to<close_atom>::with<void>,
                               caf::reacts_to<retry_atom>>;

} // namespace sasync::detail
