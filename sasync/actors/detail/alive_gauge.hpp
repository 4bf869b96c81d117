// Actors alive for /metrics: a gauge raised when an actor is made and
// lowered when it ends. Only actors made while metrics are enabled count,
// so a gauge never goes below what it raised.
#pragma once

#include "sasync/storage/metrics.hpp"

#include <caf/abstract_actor.hpp>
#include <caf/actor_cast.hpp>

namespace sasync::detail {

/// The gauges of the actors a node makes on request.
inline metrics::gauge& group_actors_alive(const char* kind) {
  return metrics::gauge_of("sasync_group_actors",
                           "Group actors alive on this node, by kind.",
                           {{"kind", kind}});
}

inline metrics::gauge& cursors_alive() {
  return metrics::gauge_of("sasync_cursors", "Cursors open on this node.");
}

inline metrics::gauge& bulk_inserts_alive() {
  return metrics::gauge_of("sasync_bulk_inserts",
                           "Bulk inserts open on this node.");
}

/// Makes the gauges above, so that a scrape shows 0 before the first
/// actor rather than no series.
inline void declare_alive_gauges() {
  for (auto kind : {"items", "dict", "array"})
    group_actors_alive(kind);
  cursors_alive();
  bulk_inserts_alive();
}

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
