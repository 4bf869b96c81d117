// Client helpers for a node's cluster view: who the members are, whether
// each is alive, and how many groups each owns.
#pragma once

#include "sasync/actors/client/client_request.hpp"
#include "sasync/actors/cluster/cluster_view.hpp"
#include "sasync/actors/net/node.hpp"

#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>

namespace sasync {

/// The members of the node's cluster as its database knows them;
/// errc::not_clustered from a node (or broker) outside cluster mode.
inline caf::expected<cluster_view>
cluster_members_of(caf::scoped_actor& self, const node& db,
                   client_timeout timeout = {}) {
  return detail::call<cluster_view>(
      self, db, timeout, detail::gone_means::shut_down, cluster_atom::value);
}

/// The same from an event-based actor: `on_result(cluster_view&)`.
template <class Self, class OnResult, class OnError>
void cluster_members_of(Self* self, const node& db, OnResult on_result,
                        OnError on_error, client_timeout timeout = {}) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    cluster_atom::value);
}

} // namespace sasync
