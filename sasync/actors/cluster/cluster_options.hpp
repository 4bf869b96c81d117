// The `[cluster]` options of a node's config file and command line.
#pragma once

#include "sasync/actors/cluster/cluster_membership.hpp"
#include "sasync/actors/option_check.hpp"
#include "sasync/storage/engine_config.hpp"

#include <caf/fwd.hpp>

#include <string>

namespace sasync {

/// The range of `cluster.lease` (seconds): reports go every lease/3, so
/// below 0.3 s they would come faster than a busy database answers.
inline const option_bounds cluster_lease_bounds{"cluster.lease", 0.3, 3600};

/// Declares cluster.enabled (false), cluster.advertise (HOST:PORT; default
/// where the node listens) and cluster.lease (seconds, 5).
void add_cluster_options(caf::config_option_set& opts);

/// The `[cluster]` options of `cfg` (defaults where unset).
cluster_config cluster_from(const caf::actor_system_config& cfg);

/// Why `cluster` cannot run on `engine`, in one line, or empty: a cluster
/// needs PostgreSQL and an advertise address of the form HOST:PORT.
std::string check_cluster(const cluster_config& cluster,
                          const engine_config& engine);

} // namespace sasync
