// The broker's private interface: its own timer.
#pragma once

#include "sasync/actors/broker.hpp"

#include <caf/actor_control_block.hpp>

#include <cstdint>

namespace sasync::detail {

/// sweep   its own timer: lets go of idle group actors. From anyone else:
///         unexpected_message.
///
/// own(kind, group, member, epoch) -> strong_actor_ptr
///         cluster mode, from the node in the same process only: the group's
///         actor writing under that ownership (kind: sasync::group_kind);
///         an actor of an older ownership is let go (its writes are fenced).
using broker_impl = broker::extend<
    caf::reacts_to<sweep_atom>,
    caf::replies_to<own_atom, std::int16_t, std::int64_t, std::int64_t,
                    std::int64_t>::with<caf::strong_actor_ptr>>;

} // namespace sasync::detail
