// Multi-row VALUES lists, bounded by each backend's parameter limit.
#include "sasync/storage/values_list.hpp"

#include "sasync/storage/engine_config.hpp"

#include <sqlite3.h>

#include <algorithm>

namespace sasync {

std::string values_list(std::string_view head, std::size_t rows,
                        std::size_t width, std::string_view tail) {
  std::string row = "(?";
  for (std::size_t i = 1; i < width; ++i)
    row += ", ?";
  row += ")";
  std::string out{head};
  out.reserve(head.size() + rows * (row.size() + 2) + tail.size());
  for (std::size_t i = 0; i < rows; ++i) {
    if (i > 0)
      out += ", ";
    out += row;
  }
  out += tail;
  return out;
}

std::size_t max_rows_per_statement(dialect_kind dialect, std::size_t width) {
  std::size_t limit = 65'535;
  if (dialect == dialect_kind::sqlite)
    limit = SQLITE_VERSION_NUMBER >= 3'032'000 ? 32'766 : 999;
  return std::max<std::size_t>(1, limit / std::max<std::size_t>(1, width));
}

} // namespace sasync
