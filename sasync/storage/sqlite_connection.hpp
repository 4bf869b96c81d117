// The SQLite backend (SQLiteCpp), visible only inside storage/.
#pragma once

#include "sasync/storage/connection.hpp"

#include <memory>

namespace sasync {

/// Opens a SQLite connection: WAL and the configured `synchronous` for files;
/// readers read-only.
std::unique_ptr<connection> open_sqlite(const engine_config& cfg,
                                        access_mode mode);

} // namespace sasync
