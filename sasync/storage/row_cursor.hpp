// Rows of one query read a batch at a time, so a result of any size passes
// through constant memory.
#pragma once

#include "sasync/storage/row_block.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace sasync {

/// An open query on one connection (PostgreSQL: a server-side cursor;
/// SQLite: a statement being stepped). It lives inside the transaction its
/// connection had open when it was made and must be destroyed before that
/// transaction ends and before its connection. One owner; not thread-safe.
class row_cursor {
public:
  virtual ~row_cursor();

  /// The result's column names, known before the first row.
  virtual const std::vector<std::string>& columns() const noexcept = 0;

  /// Appends up to `n` rows (n > 0) to `out`, whose width is the number of
  /// columns (an empty block takes it). Returns false once the result has
  /// no rows left: the rows this call appended are still the result's last
  /// ones. An error in a later row (say, a division by zero) throws
  /// storage_failure here.
  virtual bool fetch(std::size_t n, row_block& out) = 0;
};

} // namespace sasync
