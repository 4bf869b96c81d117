// Connecting to a sasyncd node from another process.
#pragma once

#include "sasync/actors/client/client_request.hpp"
#include "sasync/actors/net/endpoint.hpp"
#include "sasync/actors/net/node.hpp"

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

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

/// Ends a connection made by connect_node or connect_cluster and every
/// stand-in it handed out, failing what they still wait for with
/// errc::unreachable, and returns once all of them have ended (within 10
/// s): the actor system may end right after. It waits, so call it from a
/// thread of its own (main, a test), not from an actor's handler.
void disconnect_node(const node& remote);

/// Connects to the first reachable node of `endpoints` (the nodes of one
/// cluster) and returns a handle that works like connect_node's, but
/// outlives its node: when that node goes away, the requests waiting on it
/// fail at once with errc::unreachable, and the handle connects to the next
/// reachable endpoint (those given, then the members that the cluster
/// listed as alive), in the background; requests made meanwhile wait for
/// that connection (each endpoint gets `timeout`'s connect bound) and fail
/// with unreachable only once no endpoint answered. A request that could
/// not reach its node at all is sent again through the next one; one that
/// reached it is never sent twice. The items, dict and array handles it
/// hands out follow their group: when its owner went away, was fenced or
/// hands the group over (a node stopped with SIGTERM), the handle asks a
/// live node for the group again and sends there every request the old
/// owner never executed, in their order; a request in flight when the
/// owner died fails with unreachable (it may have run), one that met a
/// fence with fenced, and the handle's next request goes to the new owner.
/// Fails with errc::unreachable (naming each
/// endpoint's reason) when none is reachable now, or invalid_argument for
/// an empty list. Ended by disconnect_node.
caf::expected<node> connect_cluster(caf::actor_system& sys,
                                    std::vector<endpoint> endpoints,
                                    client_timeout timeout = {});

} // namespace sasync
