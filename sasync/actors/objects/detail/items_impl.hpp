// The items actor's private interface: what only the broker sends it.
#pragma once

#include "sasync/actors/objects/items.hpp"

namespace sasync::detail {

/// close() -> void   the broker's, at shutdown: answers once every accepted
///                   request is answered, then quits; later requests get
///                   shutting_down. From anyone else: unexpected_message.
using items_impl = items::extend<caf::replies_to<close_atom>::with<void>>;

} // namespace sasync::detail
