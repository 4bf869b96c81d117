// SQL for sAsync's persistent arrays; coordinates and values are always bound
// parameters.
#include "sasync/storage/array_store.hpp"

#include "sasync/storage/connection.hpp"
#include "sasync/storage/item_store.hpp"

namespace sasync {

table_def array_table() {
  return {"sasync_array",
          {{"group_id", column_type::integer, false, true},
           {"x", column_type::integer, false, true},
           {"y", column_type::integer, false, true},
           {"z", column_type::integer, false, true},
           {"type", column_type::text, false},
           {"value", column_type::blob, false}},
          {}};
}

void put_cell(connection& conn, std::int64_t group, const coordinates& at,
              const stored_value& x) {
  conn.execute("INSERT INTO sasync_array (group_id, x, y, z, type, value) "
               "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (group_id, x, y, z) "
               "DO UPDATE SET type = excluded.type, value = excluded.value, "
               "version = sasync_array.version + 1",
               {group, at.x, at.y, at.z, x.type, x.bytes});
}

std::optional<stored_value> find_cell(connection& conn, std::int64_t group,
                                      const coordinates& at) {
  auto rs = conn.execute("SELECT type, value FROM sasync_array "
                         "WHERE group_id = ? AND x = ? AND y = ? AND z = ?",
                         {group, at.x, at.y, at.z});
  if (rs.rows.empty())
    return std::nullopt;
  return stored_value_from(rs.rows[0][0], rs.rows[0][1]);
}

bool erase_cell(connection& conn, std::int64_t group, const coordinates& at) {
  return conn.execute("DELETE FROM sasync_array "
                      "WHERE group_id = ? AND x = ? AND y = ? AND z = ?",
                      {group, at.x, at.y, at.z})
             .rows_affected > 0;
}

std::uint64_t clear_cells(connection& conn, std::int64_t group) {
  return conn.execute("DELETE FROM sasync_array WHERE group_id = ?", {group})
      .rows_affected;
}

} // namespace sasync
