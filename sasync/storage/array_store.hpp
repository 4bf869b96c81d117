// SQL for sAsync's persistent arrays: values at (x, y, z) per group in
// `sasync_array`.
#pragma once

#include "sasync/storage/fwd.hpp"
#include "sasync/storage/stored_value.hpp"
#include "sasync/storage/table_def.hpp"
#include "sasync/storage/wire_types.hpp"

#include <cstdint>
#include <optional>

namespace sasync {

/// sasync_array(group_id, x, y, z, type, value), keyed by (group_id, x, y, z).
table_def array_table();

/// Inserts or replaces the value at `at`.
void put_cell(connection& conn, std::int64_t group, const coordinates& at,
              const stored_value& x);

/// The value at `at`, or none.
std::optional<stored_value> find_cell(connection& conn, std::int64_t group,
                                      const coordinates& at);

/// Deletes the value at `at`; true if there was one.
bool erase_cell(connection& conn, std::int64_t group, const coordinates& at);

/// Deletes every value of the group; returns how many there were.
std::uint64_t clear_cells(connection& conn, std::int64_t group);

} // namespace sasync
