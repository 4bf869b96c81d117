// SQL for sAsync's items: named values per integer group in `sasync_items`.
#pragma once

#include "sasync/storage/fwd.hpp"
#include "sasync/storage/stored_value.hpp"
#include "sasync/storage/table_def.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sasync {

/// sasync_items(group_id, name, type, value), keyed by (group_id, name).
/// create_object_tables adds `version` (version_columns.hpp): 1 for a new
/// row, raised by every write below (versioned_store.hpp reads it).
table_def items_table();

/// Inserts or replaces the value under `name`.
void put_item(connection& conn, std::int64_t group, const std::string& name,
              const stored_value& x);

/// The value under `name`, or none.
std::optional<stored_value> find_item(connection& conn, std::int64_t group,
                                      const std::string& name);

/// One name of one group.
struct item_key {
  std::int64_t group = 0;
  const std::string* name = nullptr;
};

/// Inserts or replaces many values in one statement, one round trip: what
/// group commit does with the sets that share a batch. A name given twice
/// fails on PostgreSQL (the caller then writes them one by one).
void put_items(connection& conn,
               const std::vector<std::pair<item_key, const stored_value*>>& xs);

/// Looks up many names in one statement per group; the answers are in the
/// order of `keys`.
std::vector<std::optional<stored_value>>
find_items(connection& conn, const std::vector<item_key>& keys);

/// Deletes the names; returns how many existed.
std::uint64_t erase_items(connection& conn, std::int64_t group,
                          const std::vector<std::string>& names);

/// The group's names, sorted bytewise.
std::vector<std::string> item_names(connection& conn, std::int64_t group);

/// Every name and value of the group.
std::map<std::string, stored_value> load_items(connection& conn,
                                               std::int64_t group);

/// At most `limit` of the group's names from `from` on (inclusive), in the
/// database's order of names: bytewise on SQLite, and on PostgreSQL with a
/// C or C.UTF-8 collation. The key's index serves each page, so reading a
/// group page by page costs about what one read of it costs.
std::vector<std::string> item_names_from(connection& conn, std::int64_t group,
                                         const std::string& from,
                                         std::uint32_t limit);

/// At most `limit` names and values from `from` on, as item_names_from.
std::map<std::string, stored_value> load_items_from(connection& conn,
                                                    std::int64_t group,
                                                    const std::string& from,
                                                    std::uint32_t limit);

/// Stores the value under a name that does not exist yet; throws
/// storage_failure(exists) and changes nothing when it does. Decided by the
/// insert itself (no upsert), so concurrent transactions cannot both win.
void insert_item(connection& conn, std::int64_t group, const std::string& name,
                 const stored_value& x);

/// Replaces the value under a name that exists; throws
/// storage_failure(missing) and creates nothing when it does not (an UPDATE
/// that found no row).
void update_item(connection& conn, std::int64_t group, const std::string& name,
                 const stored_value& x);

/// Deletes every name of the group; returns how many there were.
std::uint64_t clear_items(connection& conn, std::int64_t group);

/// At most `limit` of the group's names in [from, until) ("" until = no
/// end), in the order of item_names_from. Both bounds must be portable text
/// (storage/name_range.hpp makes any bound one).
std::vector<std::string> item_names_between(connection& conn,
                                            std::int64_t group,
                                            const std::string& from,
                                            const std::string& until,
                                            std::uint32_t limit);

/// At most `limit` names and values in [from, until), as item_names_between.
std::map<std::string, stored_value>
load_items_between(connection& conn, std::int64_t group,
                   const std::string& from, const std::string& until,
                   std::uint32_t limit);

/// A row's (type, value) columns as a stored_value; throws
/// storage_failure(corrupt_value) for a row some other program wrote with
/// other column types.
stored_value stored_value_from(const value& type, const value& bytes);

} // namespace sasync
