// The array actor's private interface: what only the broker sends it.
#pragma once

#include "sasync/actors/objects/array.hpp"

namespace sasync::detail {

/// close() -> void   the broker's, at shutdown (see items_impl.hpp). From
///                   anyone else: unexpected_message.
using array_impl = array::extend<caf::replies_to<close_atom>::with<void>>;

} // namespace sasync::detail
