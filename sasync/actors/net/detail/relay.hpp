// Requests batched on the wire. CAF 0.17 sends every message over BASP on
// its own (a header, the type names, a write, a wake-up of each side's
// network thread), which costs a node more than the operation itself. A
// client's stand-in for a group actor therefore gathers the small per-name
// requests waiting to go to it into one relay message to the node's entry
// actor, which asks the group actor for each and answers them together.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/message.hpp>

#include <cstddef>
#include <vector>

namespace sasync::detail {

/// The most requests one relay message carries. An answer that is an error
/// counts once toward the wire guard's nesting limit (wire_guard.cpp), so
/// a relay's answers stay well below it.
constexpr std::size_t max_relayed = 32;

/// The most bytes of requests one relay carries, by relay_bytes(): with
/// the relay's own header it stays below the smallest message a node may
/// be configured to take (node.max-message-bytes, at least 4096), which it
/// would close the connection for. A larger request goes on its own.
constexpr std::size_t max_relay_bytes = 3840;

/// Whether `request` may travel in a relay: the per-name operations of
/// items and dict (set, get, insert, update, delete, each with or without a
/// priority), whose answer does not depend on who asks. Anything else goes
/// on its own, so the node's entry actor never asks on a peer's behalf what
/// only the peer may ask (a cursor or bulk insert is owned by its asker).
bool relayable(const caf::message& request);

/// What `request` adds to a relay on the wire, at most: its strings and
/// value, and room for its type names and lengths.
std::size_t relay_bytes(const caf::message& request);

/// Why the node refuses to relay to `target` (none, unless it is no actor of
/// this node or the entry actor `self` itself), as an error.
caf::error check_relay_target(const caf::actor& target,
                              const caf::actor_addr& self);

} // namespace sasync::detail
