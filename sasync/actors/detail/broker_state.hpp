// What a broker holds: its configuration and queue, where it is in its
// lifecycle, the group actors, cursors and bulk inserts it handed out, and
// its named statements. Shared by the broker's behaviour (the routing) and
// its lifecycle.
#pragma once

#include "sasync/actors/broker.hpp"
#include "sasync/actors/detail/broker_impl.hpp"
#include "sasync/actors/detail/group_registry.hpp"
#include "sasync/actors/queue/detail/transaction_queue_impl.hpp"
#include "sasync/actors/queue/queue_status.hpp"
#include "sasync/storage/cluster_store.hpp"
#include "sasync/storage/statement_registry.hpp"

#include <caf/error.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <functional>
#include <map>
#include <utility>
#include <vector>

namespace sasync::detail {

enum class broker_phase { idle, starting, running, draining, stopped };

const char* to_string(broker_phase x);

/// A request that waits (for the startup, for sasync's own tables): called
/// with no error to go ahead, or with the error that ended the wait.
using held_request = std::function<void(const caf::error&)>;

enum class object_tables { absent, creating, ready };

struct broker_state {
  broker_config cfg;
  engine_config engine;
  transaction_queue_impl queue;
  broker_phase phase = broker_phase::idle;
  /// Requests that arrived before the broker ran.
  std::vector<held_request> held;
  std::vector<caf::typed_response_promise<void>> shutdown_waiters;
  bool shutdown_requested = false;
  /// The queue's counters as it closed, for status once it is gone.
  queue_status last_queue_status;
  object_tables tables = object_tables::absent;
  std::vector<held_request> waiting_for_tables;
  group_registry groups;
  /// Cluster mode: the ownership each group's actor writes under.
  std::map<std::pair<group_kind, std::int64_t>, group_owner> owners;
  /// Open cursors and bulk inserts, closed at shutdown.
  std::vector<caf::weak_actor_ptr> workers;
  /// The first error a group actor or the queue reported when it closed.
  caf::error close_error;
  statement_registry statements;
  static inline const char* name = "sasync.broker";
};

/// A type of its own: spelled out, the typed interface is kilobytes
/// long, and every nested lambda's debug name would repeat it.
struct broker_self : broker_impl::stateful_base<broker_state> {
  using super = broker_impl::stateful_base<broker_state>;
  using super::super;
};

using broker_ptr = broker_self*;

} // namespace sasync::detail
