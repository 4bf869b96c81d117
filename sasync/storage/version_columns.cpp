// Upgrading sasync's own tables to versioned rows.
#include "sasync/storage/version_columns.hpp"

#include "sasync/storage/connection.hpp"
#include "sasync/storage/dialect.hpp"

#include <string>

namespace sasync {

namespace {

bool has_version_column(connection& conn, const std::string& table) {
  // The table that unqualified statements reach: the search path's on
  // PostgreSQL, the main database's on SQLite.
  auto sql = conn.dialect() == dialect_kind::postgresql
                 ? "SELECT 1 FROM pg_attribute WHERE attrelid = "
                   "to_regclass(?) AND attname = 'version' AND NOT "
                   "attisdropped"
                 : "SELECT 1 FROM pragma_table_info(?) WHERE name = 'version'";
  return !conn.execute(sql, {table}).rows.empty();
}

} // namespace

void add_version_columns(connection& conn) {
  auto pg = conn.dialect() == dialect_kind::postgresql;
  for (std::string table : {"sasync_items", "sasync_array"}) {
    // Checked first: ALTER TABLE would take PostgreSQL's strongest lock on
    // the table on every start, even with nothing to add.
    if (has_version_column(conn, table))
      continue;
    // A constant default fills every existing row at once (PostgreSQL 11+
    // keeps it in the catalogue instead of rewriting the table).
    conn.execute_script("ALTER TABLE " + table + " ADD COLUMN " +
                        (pg ? "IF NOT EXISTS version BIGINT"
                            : "version INTEGER") +
                        " NOT NULL DEFAULT 1");
  }
}

} // namespace sasync
