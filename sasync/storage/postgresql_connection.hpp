// The PostgreSQL backend (libpqxx), visible only inside storage/.
#pragma once

#include "sasync/storage/connection.hpp"

#include <memory>

namespace sasync {

/// Opens a PostgreSQL connection; throws storage_failure naming host and
/// database (never the password).
std::unique_ptr<connection> open_postgresql(const engine_config& cfg,
                                            access_mode mode);

} // namespace sasync
