// Actors alive for /metrics: a gauge raised when an actor is made and
// lowered when it ends. Only actors made while metrics are enabled count,
// so a gauge never goes below what it raised.
#pragma once

#include "sasync/storage/metrics.hpp"

#include <caf/abstract_actor.hpp>
#include <caf/actor_cast.hpp>

namespace sasync::detail {

/// Counts `actor` in `alive` until it ends; returns `actor`.
template <class Handle>
Handle count_alive(Handle actor, metrics::gauge& alive) {
  auto ptr = caf::actor_cast<caf::strong_actor_ptr>(actor);
  if (!metrics::enabled() || !ptr)
    return actor;
  alive.add(1);
  // Runs at once when the actor has already ended.
  ptr->get()->attach_functor([&alive] { alive.add(-1); });
  return actor;
}

} // namespace sasync::detail
