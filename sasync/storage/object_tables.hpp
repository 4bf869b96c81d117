// sasync's own tables (sasync_items, sasync_array), created when missing.
#pragma once

#include "sasync/storage/fwd.hpp"

namespace sasync {

/// Creates sasync_items and sasync_array if they are missing, and gives
/// tables of an earlier sasync their version column. On
/// PostgreSQL, concurrent callers take turns under a transaction-scoped
/// lock, as the broker's table setup does.
void create_object_tables(connection& conn);

} // namespace sasync
