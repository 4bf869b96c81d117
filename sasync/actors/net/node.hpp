// The node's entry actor: what a sasyncd node publishes. It offers the
// broker's data-only operations (no closures, no shutdown) and checks what
// remote peers send before the broker sees it.
#pragma once

#include "sasync/actors/atoms.hpp"
#include "sasync/actors/broker_status.hpp"
#include "sasync/actors/cluster/cluster_membership.hpp"
#include "sasync/actors/cluster/group_ownership.hpp"
#include "sasync/actors/cluster/cluster_view.hpp"
#include "sasync/actors/objects/array.hpp"
#include "sasync/actors/objects/dict.hpp"
#include "sasync/actors/objects/items.hpp"
#include "sasync/actors/priority.hpp"
#include "sasync/actors/query/bulk_insert.hpp"
#include "sasync/actors/query/cursor.hpp"
#include "sasync/actors/query/row_consumer.hpp"
#include "sasync/storage/batch_op.hpp"
#include "sasync/storage/named_params.hpp"
#include "sasync/storage/table_def.hpp"
#include "sasync/storage/value.hpp"
#include "sasync/storage/wire_types.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sasync {

/// The data-only operations of a broker (broker.hpp documents them): what
/// a node publishes. The broker extends it with transact (closures never
/// cross the network) and shutdown (a node's operator stops it with a
/// signal), so a broker handle converts to a node and code written against
/// `node` runs in-process too.
using node = caf::typed_actor<
    caf::replies_to<table_atom, table_def>::with<void>,
    caf::replies_to<sql_atom, std::string,
                    std::vector<value>>::with<result_set>,
    caf::replies_to<prepare_atom, std::string, std::string>::with<void>,
    caf::replies_to<execute_atom, std::string,
                    std::vector<value>>::with<result_set>,
    caf::replies_to<query_atom, std::string,
                    std::vector<value>>::with<cursor_info>,
    caf::replies_to<query_atom, std::string, std::vector<value>, row_consumer,
                    std::uint32_t>::with<cursor_info>,
    caf::replies_to<insert_atom, insert_spec>::with<bulk_insert>,
    caf::replies_to<items_atom, std::int64_t>::with<items>,
    caf::replies_to<dict_atom, std::int64_t>::with<dict>,
    caf::replies_to<array_atom, std::int64_t>::with<array>,
    caf::replies_to<status_atom>::with<broker_status>,
    caf::replies_to<prepared_atom, std::string>::with<bool>,
    // The same with named parameters (`:name`, named_params.hpp).
    caf::replies_to<sql_atom, std::string, named_values>::with<result_set>,
    caf::replies_to<execute_atom, std::string,
                    named_values>::with<result_set>,
    caf::replies_to<query_atom, std::string, named_values>::with<cursor_info>,
    caf::replies_to<query_atom, std::string, named_values, row_consumer,
                    std::uint32_t>::with<cursor_info>,
    // The cluster's members (cluster_membership.hpp); not_clustered on a node
    // (and a broker) outside cluster mode.
    caf::replies_to<cluster_atom>::with<cluster_view>,
    // The same with a trailing priority (broker.hpp).
    caf::replies_to<table_atom, table_def, priority>::with<void>,
    caf::replies_to<sql_atom, std::string, std::vector<value>,
                    priority>::with<result_set>,
    caf::replies_to<execute_atom, std::string, std::vector<value>,
                    priority>::with<result_set>,
    caf::replies_to<query_atom, std::string, std::vector<value>,
                    priority>::with<cursor_info>,
    caf::replies_to<query_atom, std::string, std::vector<value>, row_consumer,
                    std::uint32_t, priority>::with<cursor_info>,
    caf::replies_to<sql_atom, std::string, named_values,
                    priority>::with<result_set>,
    caf::replies_to<execute_atom, std::string, named_values,
                    priority>::with<result_set>,
    caf::replies_to<query_atom, std::string, named_values,
                    priority>::with<cursor_info>,
    caf::replies_to<query_atom, std::string, named_values, row_consumer,
                    std::uint32_t, priority>::with<cursor_info>,
    // An atomic batch (broker.hpp), without and with a priority.
    caf::replies_to<batch_atom,
                    std::vector<batch_op>>::with<std::vector<batch_result>>,
    caf::replies_to<batch_atom, std::vector<batch_op>,
                    priority>::with<std::vector<batch_result>>>;

/// What one request from a peer may carry; more is invalid_argument.
struct node_limits {
  std::size_t statement_bytes = 1 << 20;
  /// SQLite's default limit of bound parameters.
  std::size_t parameters = 32'766;
  /// One text or blob parameter.
  std::size_t value_bytes = 16 << 20;
  /// Whether peers may run DDL (CREATE, DROP, ALTER, ...) through sql,
  /// query and prepare. `table` (create if missing) is always allowed.
  bool allow_ddl = false;
};

/// Why a peer's statement and parameters are refused (invalid_argument
/// naming the limit), or no error.
caf::error check_request(const node_limits& limits,
                         const std::string& statement,
                         const std::vector<value>& params);

/// The same for named parameters: their number and each value's size.
caf::error check_request(const node_limits& limits,
                         const std::string& statement,
                         const named_values& params);

/// The entry actor in front of `db` (a broker): checks each request against
/// `limits` and delegates it, so the answer (or the broker's shutting_down
/// once it drains) goes straight back to the peer.
node spawn_node(caf::actor_system& sys, node db, node_limits limits = {});

/// The same for a node in cluster mode: `membership` answers cluster_atom.
node spawn_node(caf::actor_system& sys, node db, node_limits limits,
                cluster_membership membership);

/// The same with one owner per group: `db` must be a broker of this process
/// (spawn_broker); items, dict and array answer the group's actor on its
/// owner, found through `ownership`, and other nodes ask this one for the
/// groups it owns.
node spawn_node(caf::actor_system& sys, node db, node_limits limits,
                cluster_membership membership, group_ownership ownership);

} // namespace sasync
