// What the cluster suites share: a schema of the run's own in the test
// database (its cluster tables made), a client actor system with the
// middleman, and config files for sasyncd nodes in cluster mode on it.
#pragma once

#include "sasync/actors/system_config.hpp"
#include "sasync/storage/cluster_store.hpp"
#include "sasync/storage/connection.hpp"
#include "sasync/storage/engine_config.hpp"

#include "backends.hpp"
#include "daemon_process.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <unistd.h>

namespace sasync::test {

struct cluster_client_config : system_config {
  cluster_client_config() { load<caf::io::middleman>(); }
};

struct cluster_fixture {
  std::string schema;
  std::unique_ptr<connection> admin = open();
  scratch_dir scratch;
  cluster_client_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  /// `name` tells the schema and the scratch directory of this suite apart.
  explicit cluster_fixture(const std::string& name)
      : schema("sasync_" + name + "_" + std::to_string(::getpid())),
        scratch(name) {
    admin->execute_script("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    admin->execute_script("CREATE SCHEMA " + schema);
    admin->execute_script("SET search_path TO " + schema);
    // Member ids start at 1 as in any other cluster of the database: the
    // members' locks are told apart by their cluster's table.
    create_cluster_tables(*admin);
  }

  ~cluster_fixture() {
    try {
      admin->execute_script("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (...) {
    }
  }

  static std::unique_ptr<connection> open() {
    return open_connection(engine_config::parse(postgresql_url()),
                           access_mode::write);
  }

  /// The test database, with this run's schema first on the search path.
  std::string url() const {
    auto base = postgresql_url();
    return base + (base.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + schema;
  }

  /// A node's config file: cluster mode with `lease` seconds, or `cluster`
  /// instead of the [cluster] section's defaults; `db` instead of url();
  /// `sections` (e.g. `[metrics]`) after the rest.
  std::filesystem::path config(const std::string& name, double lease = 2,
                               const std::string& db = {},
                               const std::string& cluster = {},
                               const std::string& sections = {}) {
    auto path = scratch.path() / (name + ".ini");
    std::ofstream out{path};
    out << "[sasync]\nurl=\"" << (db.empty() ? url() : db)
        << "\"\npool-size=2\n[node]\nport=0\n[cluster]\n"
        << (cluster.empty()
                ? "enabled=true\nlease=" + std::to_string(lease) + "\n"
                : cluster)
        << sections;
    return path;
  }

  static std::string address(daemon_process& d) {
    return d.host() + ":" + std::to_string(d.port());
  }
};

} // namespace sasync::test
