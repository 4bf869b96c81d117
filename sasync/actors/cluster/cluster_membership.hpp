// A node's membership in its cluster: joins through a PostgreSQL session of
// its own, reports alive every lease/3, and answers who the members are.
#pragma once

#include "sasync/actors/atoms.hpp"
#include "sasync/actors/cluster/cluster_view.hpp"
#include "sasync/storage/engine_config.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <string>

namespace sasync {

/// cluster_atom -> cluster_view: the members as the database knows them;
///   database_error when the database cannot say (never left unanswered).
/// leave_atom -> void: leaves the cluster (its groups are handed back) and
///   stops reporting; the actor then quits. Answered also when leaving
///   failed (the lease then ends the membership).
using cluster_membership =
    caf::typed_actor<caf::replies_to<cluster_atom>::with<cluster_view>,
                     caf::replies_to<leave_atom>::with<void>>;

/// The `[cluster]` options of a node.
struct cluster_config {
  bool enabled = false;
  /// Where other nodes and clients reach this one; empty: where it listens.
  std::string advertise;
  /// How long a member that stopped reporting still counts as alive: the
  /// bound on takeover after a node dies.
  std::chrono::milliseconds lease{5000};
  /// Runs its database calls on a thread of its own (false only under the
  /// deterministic test coordinator).
  bool detached = true;
};

/// Spawns a member on the PostgreSQL database of `engine`; it joins once
/// start_cluster_membership() gives it its address (known only once the node
/// listens). It then connects, creates the cluster tables, joins and
/// reports in the background; a lost session is reopened with backoff and a
/// member the cluster counted dead joins again as a new one (one line on
/// stderr each). Until it has joined, cluster_atom answers database_error.
cluster_membership spawn_cluster_membership(caf::actor_system& sys,
                                            engine_config engine,
                                            const cluster_config& cfg);

/// Lets `member` join the cluster at `address` (HOST:PORT).
void start_cluster_membership(const cluster_membership& member,
                              std::string address);

} // namespace sasync
