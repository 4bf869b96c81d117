// Reading and checking the `[cluster]` options.
#include "sasync/actors/cluster/cluster_options.hpp"

#include "sasync/actors/net/endpoint.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/config_option_adder.hpp>

#include <chrono>

namespace sasync {

void add_cluster_options(caf::config_option_set& opts) {
  caf::config_option_adder{opts, "cluster"}
      .add<bool>("enabled", "run as a member of a cluster of nodes on one "
                            "PostgreSQL database (false)")
      .add<std::string>("advertise",
                        "HOST:PORT where other nodes and clients reach this "
                        "one (default: where it listens)")
      .add<double>("lease", "seconds a member that stopped reporting still "
                            "counts as alive: the bound on takeover (5)");
}

cluster_config cluster_from(const caf::actor_system_config& cfg) {
  cluster_config out;
  out.enabled = caf::get_or(cfg, "cluster.enabled", false);
  out.advertise = caf::get_or(cfg, "cluster.advertise", std::string{});
  auto lease = caf::get_or(cfg, "cluster.lease", 5.0);
  out.lease = std::chrono::milliseconds{
      static_cast<std::int64_t>(lease * 1000.0 + 0.5)};
  return out;
}

std::string check_cluster(const cluster_config& cluster,
                          const engine_config& engine) {
  if (!cluster.enabled)
    return {};
  if (engine.dialect != dialect_kind::postgresql)
    return "cluster.enabled needs a PostgreSQL database (sasync.url is " +
           std::string{engine.dialect == dialect_kind::sqlite ? "SQLite"
                                                              : "another"} +
           "): members and owners are decided in PostgreSQL";
  if (!cluster.advertise.empty() && !parse_endpoint(cluster.advertise))
    return "cluster.advertise '" + cluster.advertise +
           "' is not HOST:PORT (a port 1..65535)";
  return {};
}

} // namespace sasync
