// A batch of rows as a cursor hands it out.
#pragma once

#include "sasync/storage/row_block.hpp"

namespace sasync {

struct row_batch {
  row_block rows;
  /// No rows follow this batch.
  bool done = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, row_batch& x) {
  return f(x.rows, x.done);
}

} // namespace sasync
