// SQL for sAsync's items; names and values are always bound parameters.
#include "sasync/storage/item_store.hpp"

#include "sasync/storage/connection.hpp"
#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/values_list.hpp"

#include <algorithm>
#include <map>
#include <string_view>

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

std::optional<stored_value> find_item(connection& conn, std::int64_t group,
                                      const std::string& name) {
  auto rs = conn.execute("SELECT type, value FROM sasync_items "
                         "WHERE group_id = ? AND name = ?",
                         {group, name});
  if (rs.rows.empty())
    return std::nullopt;
  return stored_value_from(rs.rows[0][0], rs.rows[0][1]);
}

void put_items(
    connection& conn,
    const std::vector<std::pair<item_key, const stored_value*>>& xs) {
  if (xs.empty())
    return;
  std::vector<value> params;
  params.reserve(xs.size() * 4);
  for (auto& [key, x] : xs) {
    params.emplace_back(key.group);
    params.emplace_back(*key.name);
    params.emplace_back(x->type);
    params.emplace_back(x->bytes);
  }
  conn.execute(values_list("INSERT INTO sasync_items (group_id, name, type, "
                           "value) VALUES ",
                           xs.size(), 4,
                           " ON CONFLICT (group_id, name) DO UPDATE SET type "
                           "= excluded.type, value = excluded.value, version "
                           "= sasync_items.version + 1"),
               params);
}

void put_item(connection& conn, std::int64_t group, const std::string& name,
              const stored_value& x) {
  put_items(conn, {{item_key{group, &name}, &x}});
}

std::vector<std::optional<stored_value>>
find_items(connection& conn, const std::vector<item_key>& keys) {
  std::vector<std::optional<stored_value>> out(keys.size());
  // Positions of each group's keys, by name.
  std::map<std::int64_t, std::multimap<std::string_view, std::size_t>> groups;
  for (std::size_t i = 0; i < keys.size(); ++i)
    groups[keys[i].group].emplace(*keys[i].name, i);
  for (auto& [group, names] : groups) {
    std::vector<value> params;
    params.reserve(names.size() + 1);
    params.emplace_back(group);
    for (auto& entry : names)
      params.emplace_back(std::string{entry.first});
    auto rs = conn.execute(values_list("SELECT name, type, value FROM "
                                       "sasync_items WHERE group_id = ? AND "
                                       "name IN ",
                                       1, names.size(), ""),
                           params);
    for (auto& r : rs.rows) {
      auto [first, last] = names.equal_range(r[0].as_text());
      for (auto i = first; i != last; ++i)
        out[i->second] = stored_value_from(r[1], r[2]);
    }
  }
  return out;
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

std::vector<std::string> item_names_from(connection& conn, std::int64_t group,
                                         const std::string& from,
                                         std::uint32_t limit) {
  auto rs = conn.execute("SELECT name FROM sasync_items WHERE group_id = ? "
                         "AND name >= ? ORDER BY name LIMIT ?",
                         {group, from, static_cast<std::int64_t>(limit)});
  std::vector<std::string> out;
  out.reserve(rs.rows.size());
  for (auto& row : rs.rows)
    out.emplace_back(row[0].as_text());
  return out;
}

std::map<std::string, stored_value> load_items_from(connection& conn,
                                                    std::int64_t group,
                                                    const std::string& from,
                                                    std::uint32_t limit) {
  auto rs = conn.execute("SELECT name, type, value FROM sasync_items WHERE "
                         "group_id = ? AND name >= ? ORDER BY name LIMIT ?",
                         {group, from, static_cast<std::int64_t>(limit)});
  std::map<std::string, stored_value> out;
  for (auto& row : rs.rows)
    out.emplace(row[0].as_text(), stored_value_from(row[1], row[2]));
  return out;
}

void insert_item(connection& conn, std::int64_t group, const std::string& name,
                 const stored_value& x) {
  // The unique key decides, inside this transaction: a concurrent insert
  // that committed first leaves no row to insert.
  auto rs = conn.execute("INSERT INTO sasync_items (group_id, name, type, "
                         "value) VALUES (?, ?, ?, ?) ON CONFLICT (group_id, "
                         "name) DO NOTHING",
                         {group, name, x.type, x.bytes});
  if (rs.rows_affected == 0)
    throw storage_failure(failure_kind::exists,
                          "the name already exists: '" + name + "' in group " +
                              std::to_string(group));
}

void update_item(connection& conn, std::int64_t group, const std::string& name,
                 const stored_value& x) {
  auto rs = conn.execute("UPDATE sasync_items SET type = ?, value = ?, "
                         "version = version + 1 "
                         "WHERE group_id = ? AND name = ?",
                         {x.type, x.bytes, group, name});
  if (rs.rows_affected == 0)
    throw storage_failure(failure_kind::missing,
                          "no item '" + name + "' in group " +
                              std::to_string(group));
}

std::uint64_t clear_items(connection& conn, std::int64_t group) {
  return static_cast<std::uint64_t>(
      conn.execute("DELETE FROM sasync_items WHERE group_id = ?", {group})
          .rows_affected);
}

namespace {

/// The range's rows, by the key's index: `columns` of names in [from,
/// until), in the database's order of names.
result_set items_between(connection& conn, const char* columns,
                         std::int64_t group, const std::string& from,
                         const std::string& until, std::uint32_t limit) {
  auto n = static_cast<std::int64_t>(limit);
  std::string select = std::string{"SELECT "} + columns +
                       " FROM sasync_items WHERE group_id = ? AND name >= ?";
  if (until.empty())
    return conn.execute(select + " ORDER BY name LIMIT ?", {group, from, n});
  return conn.execute(select + " AND name < ? ORDER BY name LIMIT ?",
                      {group, from, until, n});
}

} // namespace

std::vector<std::string> item_names_between(connection& conn,
                                            std::int64_t group,
                                            const std::string& from,
                                            const std::string& until,
                                            std::uint32_t limit) {
  auto rs = items_between(conn, "name", group, from, until, limit);
  std::vector<std::string> out;
  out.reserve(rs.rows.size());
  for (auto& row : rs.rows)
    out.emplace_back(row[0].as_text());
  return out;
}

std::map<std::string, stored_value>
load_items_between(connection& conn, std::int64_t group,
                   const std::string& from, const std::string& until,
                   std::uint32_t limit) {
  auto rs =
      items_between(conn, "name, type, value", group, from, until, limit);
  std::map<std::string, stored_value> out;
  for (auto& row : rs.rows)
    out.emplace(row[0].as_text(), stored_value_from(row[1], row[2]));
  return out;
}

} // namespace sasync
