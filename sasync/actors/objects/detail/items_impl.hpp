// The items actor's private interface: what only the broker sends it.
#pragma once

#include "sasync/actors/objects/detail/dict_impl.hpp"
#include "sasync/actors/net/detail/relay.hpp"
#include "sasync/actors/objects/items.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sasync::detail {

/// The items actor's name (CAF's actor name): a node relays to an actor of
/// that name in one message (node.cpp).
inline constexpr const char* items_actor_name = "sasync.items";

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
/// relay(requests) -> answers
///                   a node's relay of a client's per-name requests
///                   (net/detail/relay.hpp): each is handled as if it came
///                   alone, in their order, and all are answered in one
///                   message. At most max_relayed.
/// dispatch()        its own reminder: sends the point operations gathered
///                   since (job_outbox.hpp). From anyone else:
///                   unexpected_message.
using items_impl = items::extend<
    caf::replies_to<close_atom>::with<void>,
    caf::reacts_to<dict_atom, dict_impl>,
    caf::replies_to<hold_atom, std::vector<std::string>>::with<std::uint64_t>,
    caf::replies_to<release_atom, std::uint64_t>::with<void>,
    caf::replies_to<relay_atom, std::vector<relayed_request>>::with<
        std::vector<relayed_answer>>,
    caf::reacts_to<dispatch_atom>>;

} // namespace sasync::detail
