// A batch of rows as a cursor hands it out.
#pragma once

#include "sasync/storage/value.hpp"

#include <vector>

namespace sasync {

struct row_batch {
  std::vector<row> rows;
  /// No rows follow this batch.
  bool done = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, row_batch& x) {
  return f(x.rows, x.done);
}

} // namespace sasync
