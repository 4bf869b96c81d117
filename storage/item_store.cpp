// SQL for sAsync's items; names and values are always bound parameters.
#include "storage/item_store.hpp"

#include "storage/connection.hpp"
#include "storage/storage_failure.hpp"

#include <algorithm>

namespace sasync {

table_def items_table() {
  return {"sasync_items",
          {{"group_id", column_type::integer, false, true},
           {"name", column_type::text, false, true},
           {"type", column_type::text, false},
           {"value", column_type::blob, false}},
          {}};
}

stored_value stored_value_from(const value& type, const value& bytes) {
  if (type.type() != value::kind::text || bytes.type() != value::kind::blob)
    throw storage_failure(failure_kind::corrupt_value,
                          std::string{"stored row holds a "} +
                              to_string(type.type()) + " type and a " +
                              to_string(bytes.type()) +
                              " value, not text and blob");
  return {type.as_text(), bytes.as_blob()};
}

void put_item(connection& conn, std::int64_t group, const std::string& name,
              const stored_value& x) {
  conn.execute("INSERT INTO sasync_items (group_id, name, type, value) "
               "VALUES (?, ?, ?, ?) ON CONFLICT (group_id, name) DO UPDATE "
               "SET type = excluded.type, value = excluded.value",
               {group, name, x.type, x.bytes});
}

std::optional<stored_value> find_item(connection& conn, std::int64_t group,
                                      const std::string& name) {
  auto rs = conn.execute("SELECT type, value FROM sasync_items "
                         "WHERE group_id = ? AND name = ?",
                         {group, name});
  if (rs.rows.empty())
    return std::nullopt;
  return stored_value_from(rs.rows[0][0], rs.rows[0][1]);
}

std::uint64_t erase_items(connection& conn, std::int64_t group,
                          const std::vector<std::string>& names) {
  std::uint64_t erased = 0;
  for (auto& name : names)
    erased += conn.execute("DELETE FROM sasync_items "
                           "WHERE group_id = ? AND name = ?",
                           {group, name})
                  .rows_affected;
  return erased;
}

std::vector<std::string> item_names(connection& conn, std::int64_t group) {
  auto rs =
      conn.execute("SELECT name FROM sasync_items WHERE group_id = ?", {group});
  std::vector<std::string> out;
  out.reserve(rs.rows.size());
  for (auto& row : rs.rows)
    out.emplace_back(row[0].as_text());
  // Sorted here: PostgreSQL's ORDER BY would follow the database's collation.
  std::sort(out.begin(), out.end());
  return out;
}

std::map<std::string, stored_value> load_items(connection& conn,
                                               std::int64_t group) {
  auto rs = conn.execute("SELECT name, type, value FROM sasync_items "
                         "WHERE group_id = ?",
                         {group});
  std::map<std::string, stored_value> out;
  for (auto& row : rs.rows)
    out.emplace(row[0].as_text(), stored_value_from(row[1], row[2]));
  return out;
}

} // namespace sasync
