// sasync-bench scan: reading a large result through a cursor, against the
// raw library reading the same rows, in one run.
#pragma once

#include "sasync/actors/net/node.hpp"
#include "sasync/storage/engine_config.hpp"

#include <caf/fwd.hpp>

#include <cstdint>

namespace sasync::bench {

/// Fills a three-column table with `rows` rows, reads it raw and through
/// a sasync cursor `batch` rows per fetch (in this process, and through
/// `remote` when given), and prints one figure a line; one operation is one
/// row. Returns the process's exit code.
int scan(caf::actor_system& sys, const engine_config& engine,
         std::uint64_t rows, std::uint32_t batch, const node* remote);

} // namespace sasync::bench
