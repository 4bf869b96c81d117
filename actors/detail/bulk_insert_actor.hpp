// How the broker spawns a bulk insert; users get it from the broker.
#pragma once

#include "actors/bulk_insert.hpp"
#include "actors/transaction_queue.hpp"
#include "storage/row_insert.hpp"

namespace sasync::detail {

/// `spec` must be valid (see validate(insert_spec)).
bulk_insert spawn_bulk_insert(caf::actor_system& sys, transaction_queue queue,
                              insert_spec spec);

} // namespace sasync::detail
