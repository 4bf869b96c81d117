// How the broker spawns the actor of a group: items, dict or array. Users get
// these actors from the broker, never by spawning them.
#pragma once

#include "sasync/actors/defaults.hpp"
#include "sasync/actors/detail/fenced_job.hpp"
#include "sasync/actors/objects/detail/array_impl.hpp"
#include "sasync/actors/objects/detail/dict_impl.hpp"
#include "sasync/actors/objects/detail/items_impl.hpp"
#include "sasync/actors/objects/detail/open_requests.hpp"
#include "sasync/actors/queue/transaction_queue.hpp"

#include <caf/actor_addr.hpp>

#include <caf/scheduled_actor.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>

namespace sasync::detail {

struct group_config {
  /// The broker's queue; the group's jobs go straight to it so that they
  /// still run while the broker drains.
  transaction_queue queue;
  std::int64_t group = 0;
  /// The only sender whose close the actor honours.
  caf::actor_addr broker;
  /// Requests the actor keeps waiting before it refuses more with
  /// overloaded (the broker's queue_capacity).
  std::size_t capacity = defaults::queue_capacity;
  /// The dict's bound on written entries kept in memory
  /// (broker_config::dict_cache_capacity).
  std::size_t cache_capacity = defaults::dict_cache_capacity;
  /// The dict's first wait before it tries a failed write again; it doubles
  /// up to `max_retry_delay`.
  std::chrono::milliseconds retry_delay{100};
  std::chrono::milliseconds max_retry_delay{5000};
  /// Cluster mode: the ownership every write passes (fenced_job.hpp);
  /// none outside cluster mode.
  std::optional<group_fence> fence;
};

/// A group actor's start: its config, its bound on waiting requests, and no
/// stderr line for a peer's message of another type (those are dropped;
/// a request gets unexpected_message).
template <class Self> void start_group(Self* self, group_config cfg) {
  self->state.requests = open_requests{cfg.capacity, cfg.fence.has_value()};
  self->state.cfg = std::move(cfg);
  self->set_default_handler(caf::drop);
}

items_impl spawn_items(caf::actor_system& sys, group_config cfg);
dict_impl spawn_dict(caf::actor_system& sys, group_config cfg);
array_impl spawn_array(caf::actor_system& sys, group_config cfg);

} // namespace sasync::detail
