// How the broker spawns the actor of a group: items, dict or array. Users get
// these actors from the broker, never by spawning them.
#pragma once

#include "actors/array.hpp"
#include "actors/dict.hpp"
#include "actors/items.hpp"
#include "actors/transaction_queue.hpp"

#include <chrono>
#include <cstdint>

namespace sasync::detail {

struct group_config {
  /// The broker's queue; the group's jobs go straight to it so that they
  /// still run while the broker drains.
  transaction_queue queue;
  std::int64_t group = 0;
  /// Requests the actor keeps waiting before it refuses more with
  /// overloaded (the broker's queue_capacity).
  std::size_t capacity = 10'000;
  /// The dict's first wait before it tries a failed write again; it doubles
  /// up to `max_retry_delay`.
  std::chrono::milliseconds retry_delay{100};
  std::chrono::milliseconds max_retry_delay{5000};
};

items spawn_items(caf::actor_system& sys, group_config cfg);
dict spawn_dict(caf::actor_system& sys, group_config cfg);
array spawn_array(caf::actor_system& sys, group_config cfg);

} // namespace sasync::detail
