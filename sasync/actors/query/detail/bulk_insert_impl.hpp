// The bulk insert actor's private interface: what only the broker sends it.
#pragma once

#include "sasync/actors/query/bulk_insert.hpp"

namespace sasync::detail {

/// close() -> void   the broker's, at shutdown: answers once every accepted
///                   write is answered, then quits; later writes get
///                   shutting_down. From anyone else: unexpected_message.
using bulk_insert_impl =
    bulk_insert::extend<caf::replies_to<close_atom>::with<void>>;

} // namespace sasync::detail
