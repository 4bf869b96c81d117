// The cursor actor's private interface: the broker's open and close and its
// own idle timer.
#pragma once

#include "sasync/actors/query/cursor.hpp"

namespace sasync::detail {

/// open() -> columns   the broker's: leases a connection and starts the
///                     query
/// close() -> void     the broker's, at shutdown: the cursor ends with
///                     shutting_down
/// expire              the cursor's own idle timer
/// From anyone else, each gets unexpected_message.
using cursor_impl =
    cursor::extend<caf::replies_to<open_atom>::with<std::vector<std::string>>,
                   caf::replies_to<close_atom>::with<void>,
                   caf::reacts_to<expire_atom>>;

} // namespace sasync::detail
