// The version column of sasync_items and sasync_array, added to tables that
// an earlier sasync created without it.
#pragma once

#include "sasync/storage/fwd.hpp"

namespace sasync {

/// Adds `version` (1 for every existing row) to sasync_items and
/// sasync_array where it is missing; a no-op where it is there. Runs inside
/// the caller's transaction, which must serialise it against other callers
/// (create_object_tables does: PostgreSQL's DDL lock, SQLite's writer).
void add_version_columns(connection& conn);

} // namespace sasync
