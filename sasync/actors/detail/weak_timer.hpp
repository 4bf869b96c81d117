// A delayed message to an actor that does not keep the actor alive until it
// arrives. CAF 0.17's delayed_send holds its receiver: an actor that only
// its users' handles keep alive (a stand-in of a remote node) and that sets
// itself a timer again and again would never be let go when they are, nor
// let its actor system stop.
#pragma once

#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

namespace sasync::detail {

/// Sends `msg` to `self` after `delay`, as `self`'s own message (its
/// handlers' sent_by_itself holds), unless nothing but the timer holds
/// `self` by then.
void send_later_weakly(caf::local_actor* self, caf::timespan delay,
                       caf::message msg);

} // namespace sasync::detail
