// How the broker spawns a bulk insert; users get it from the broker.
#pragma once

#include "sasync/actors/query/detail/bulk_insert_impl.hpp"
#include "sasync/actors/queue/transaction_queue.hpp"
#include "sasync/storage/row_insert.hpp"

#include <caf/actor_addr.hpp>

namespace sasync::detail {

/// `spec` must be valid (see validate(insert_spec)); the insert honours
/// close from `broker` only, and closes by itself when `owner` (if any)
/// terminates.
bulk_insert_impl spawn_bulk_insert(caf::actor_system& sys,
                                   transaction_queue queue, insert_spec spec,
                                   caf::actor_addr broker,
                                   caf::strong_actor_ptr owner);

} // namespace sasync::detail
