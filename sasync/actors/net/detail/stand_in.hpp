// The parts of connect_node's stand-in that the cluster client reuses.
#pragma once

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>
#include <caf/message.hpp>

#include <functional>
#include <string>

namespace sasync::detail {

/// A stand-in for the node's actor `target` (a proxy from the middleman's
/// handshake), as connect_node makes: it fails its waiting requests with
/// unreachable and quits when the node goes away.
caf::actor spawn_node_stand_in(caf::actor_system& sys, caf::actor target,
                               std::string where);

/// A response handler for every answer type of a node's handles; `settle`
/// gets the answer as a message (an error as a message of one error).
/// A new answer type of node needs adding here (remote.cpp).
caf::behavior relay_answers(std::function<void(caf::message)> settle);

} // namespace sasync::detail
