// Creating sasync's own tables.
#include "sasync/storage/object_tables.hpp"

#include "sasync/storage/array_store.hpp"
#include "sasync/storage/connection.hpp"
#include "sasync/storage/dialect.hpp"
#include "sasync/storage/item_store.hpp"
#include "sasync/storage/version_columns.hpp"

namespace sasync {

void create_object_tables(connection& conn) {
  auto dialect = conn.dialect();
  if (dialect == dialect_kind::postgresql)
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('sasync.ddl'))");
  for (auto& def : {items_table(), array_table()})
    for (auto& stmt : create_statements(dialect, def))
      conn.execute_script(stmt);
  add_version_columns(conn);
}

} // namespace sasync
