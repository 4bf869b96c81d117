// The broker's private interface: its own timer.
#pragma once

#include "sasync/actors/broker.hpp"

namespace sasync::detail {

/// sweep   its own timer: lets go of idle group actors. From anyone else:
///         unexpected_message.
using broker_impl = broker::extend<caf::reacts_to<sweep_atom>>;

} // namespace sasync::detail
