// Connecting to a sasyncd node from another process.
#pragma once

#include "sasync/actors/client/client_request.hpp"
#include "sasync/actors/net/node.hpp"

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <string>

namespace sasync {

/// Connects to the node published at host:port (over TLS when `sys` loaded
/// caf::openssl::manager and its certificate options are set). The handle
/// is a local stand-in that forwards every request to the node, and so are
/// the items, dict, array, bulk insert and cursor handles that come back
/// through it: when the node goes away, every request still waiting fails
/// at once with errc::unreachable instead of waiting for its timeout, and
/// the stand-ins quit (later requests fail with request_receiver_down,
/// which the client helpers answer as errc::unreachable).
/// Call connect_node again once the node is back. Fails with
/// errc::unreachable when the node cannot be reached or does not finish
/// the handshake within `timeout` (remote_connect_timeout, 30 s, when left
/// out): a stopped node makes the caller wait that long, not forever.
/// Requests through the handles a node hands out default to a timeout of
/// remote_request_timeout (client_request.hpp).
caf::expected<node> connect_node(caf::actor_system& sys,
                                 const std::string& host, std::uint16_t port,
                                 client_timeout timeout = {});

/// Ends a connection made by connect_node and every stand-in it handed
/// out. The actor system cannot shut down while stand-ins of a live node
/// remain (the node knows them, so CAF keeps them registered).
void disconnect_node(const node& remote);

} // namespace sasync
