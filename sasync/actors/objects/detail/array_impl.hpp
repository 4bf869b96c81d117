// The array actor's private interface: what only the broker sends it.
#pragma once

#include "sasync/actors/objects/array.hpp"
#include "sasync/storage/wire_types.hpp"

#include <cstdint>
#include <vector>

namespace sasync::detail {

/// close() -> void   the broker's, at shutdown (see items_impl.hpp). From
///                   anyone else: unexpected_message.
/// hold(cells) -> ticket, release(ticket) -> void
///                   the broker's, for a batch (see items_impl.hpp).
using array_impl = array::extend<
    caf::replies_to<close_atom>::with<void>,
    caf::replies_to<hold_atom, std::vector<coordinates>>::with<std::uint64_t>,
    caf::replies_to<release_atom, std::uint64_t>::with<void>>;

} // namespace sasync::detail
