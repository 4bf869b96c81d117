// Compare-and-set on items and cells: the version test is part of the
// write's own WHERE (or the key's uniqueness for a new row), so on
// PostgreSQL a concurrent writer's commit makes the statement match nothing
// instead of being overwritten, and on SQLite the one writer decides.
#include "sasync/storage/versioned_store.hpp"

#include "sasync/storage/connection.hpp"
#include "sasync/storage/item_store.hpp"

#include <limits>
#include <vector>

namespace sasync {

namespace {

/// One row of sasync_items or sasync_array: where it is and how to name it.
struct row_key {
  const char* table;
  const char* key_columns; // as in an INSERT's column list
  const char* key_test;    // a WHERE for the key's placeholders
  std::vector<value> key;  // the placeholders' values, in order
  std::string described;   // for messages
};

row_key item_row(std::int64_t group, const std::string& name) {
  return {"sasync_items", "group_id, name", "group_id = ? AND name = ?",
          {group, name},
          "item '" + name + "' in group " + std::to_string(group)};
}

row_key cell_row(std::int64_t group, const coordinates& at) {
  return {"sasync_array", "group_id, x, y, z",
          "group_id = ? AND x = ? AND y = ? AND z = ?",
          {group, at.x, at.y, at.z},
          "the cell (" + std::to_string(at.x) + ", " + std::to_string(at.y) +
              ", " + std::to_string(at.z) + ") of group " +
              std::to_string(group)};
}

std::vector<value> with(std::vector<value> front, const std::vector<value>& xs) {
  front.insert(front.end(), xs.begin(), xs.end());
  return front;
}

std::uint64_t version_of(const value& x) {
  return static_cast<std::uint64_t>(x.as_integer());
}

std::optional<versioned_value> find_versioned(connection& conn,
                                              const row_key& row) {
  auto rs = conn.execute(std::string{"SELECT version, type, value FROM "} +
                             row.table + " WHERE " + row.key_test,
                         row.key);
  if (rs.rows.empty())
    return std::nullopt;
  auto& r = rs.rows[0];
  return versioned_value{version_of(r[0]), stored_value_from(r[1], r[2])};
}

std::uint64_t current_version(connection& conn, const row_key& row) {
  auto rs = conn.execute(std::string{"SELECT version FROM "} + row.table +
                             " WHERE " + row.key_test,
                         row.key);
  return rs.rows.empty() ? 0 : version_of(rs.rows[0][0]);
}

[[noreturn]] void conflict(connection& conn, const row_key& row,
                           std::uint64_t expected) {
  auto now = current_version(conn, row);
  throw version_conflict(row.described + " is at version " +
                             std::to_string(now) + ", not " +
                             std::to_string(expected),
                         now);
}

/// No stored version is above int64's range: such an expectation fails.
bool storable(std::uint64_t version) {
  return version <= static_cast<std::uint64_t>(
                        std::numeric_limits<std::int64_t>::max());
}

std::uint64_t put_if(connection& conn, const row_key& row,
                     const stored_value& x, std::uint64_t expected) {
  if (expected == 0) {
    // The key decides: a row a concurrent writer committed first leaves
    // nothing to insert.
    auto placeholders = std::string{"?, ?"};
    for (std::size_t i = 0; i < row.key.size(); ++i)
      placeholders += ", ?";
    auto rs = conn.execute(std::string{"INSERT INTO "} + row.table + " (" +
                               row.key_columns +
                               ", type, value, version) VALUES (" +
                               placeholders + ", 1) ON CONFLICT (" +
                               row.key_columns + ") DO NOTHING",
                           with(row.key, {x.type, x.bytes}));
    if (rs.rows_affected == 0)
      conflict(conn, row, expected);
    return 1;
  }
  if (!storable(expected))
    conflict(conn, row, expected);
  auto rs = conn.execute(
      std::string{"UPDATE "} + row.table +
          " SET type = ?, value = ?, version = version + 1 WHERE " +
          row.key_test + " AND version = ?",
      with(with({x.type, x.bytes}, row.key),
           {static_cast<std::int64_t>(expected)}));
  if (rs.rows_affected == 0)
    conflict(conn, row, expected);
  return expected + 1;
}

void erase_if(connection& conn, const row_key& row, std::uint64_t expected) {
  if (expected == 0) {
    if (current_version(conn, row) != 0)
      conflict(conn, row, expected);
    return;
  }
  if (!storable(expected))
    conflict(conn, row, expected);
  auto rs = conn.execute(std::string{"DELETE FROM "} + row.table + " WHERE " +
                             row.key_test + " AND version = ?",
                         with(row.key, {static_cast<std::int64_t>(expected)}));
  if (rs.rows_affected == 0)
    conflict(conn, row, expected);
}

} // namespace

std::optional<versioned_value>
find_item_versioned(connection& conn, std::int64_t group,
                    const std::string& name) {
  return find_versioned(conn, item_row(group, name));
}

std::uint64_t put_item_if(connection& conn, std::int64_t group,
                          const std::string& name, const stored_value& x,
                          std::uint64_t expected) {
  return put_if(conn, item_row(group, name), x, expected);
}

void erase_item_if(connection& conn, std::int64_t group,
                   const std::string& name, std::uint64_t expected) {
  erase_if(conn, item_row(group, name), expected);
}

std::optional<versioned_value>
find_cell_versioned(connection& conn, std::int64_t group,
                    const coordinates& at) {
  return find_versioned(conn, cell_row(group, at));
}

std::uint64_t put_cell_if(connection& conn, std::int64_t group,
                          const coordinates& at, const stored_value& x,
                          std::uint64_t expected) {
  return put_if(conn, cell_row(group, at), x, expected);
}

void erase_cell_if(connection& conn, std::int64_t group, const coordinates& at,
                   std::uint64_t expected) {
  erase_if(conn, cell_row(group, at), expected);
}

} // namespace sasync
