// sasync-bench --cluster=N: the workload through N sasyncd nodes in cluster
// mode on one PostgreSQL database, sent to the group's owner and to another
// node, beside one sasyncd outside cluster mode on the same database.
#pragma once

#include "bench_load.hpp"
#include "bench_workload.hpp"

#include <caf/fwd.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sasync::bench {

/// The workload through one node's handle, and what the nodes used.
struct through_node_result {
  load_result load;
  process_usage owner_used; ///< by the owner node
  process_usage relay_used; ///< by the node the client is connected to,
                            ///< when that is not the owner
};

struct cluster_result {
  through_node_result single; ///< one sasyncd outside cluster mode
  through_node_result owner;  ///< connected to the group's owner
  /// Connected to another node (N >= 2).
  std::optional<through_node_result> other;
  std::string owner_address; ///< where the group's owner listens
};

/// Runs the workload on one items group: first through one sasyncd with
/// `node_opts` (--group.key=value lines), then through `nodes` sasyncd in
/// cluster mode (the same options plus [cluster] enabled), connected with
/// connect_node to the group's owner and then to another node. Set runs
/// start each run on an empty group. Throws when a node does not start or a
/// connection fails.
cluster_result run_cluster(caf::actor_system& sys, const engine_config& engine,
                           const std::vector<std::string>& node_opts,
                           std::size_t nodes, const workload& w,
                           std::size_t clients);

} // namespace sasync::bench
