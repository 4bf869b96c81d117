// A stored value with the version of its row: what a read for
// compare-and-set answers.
#pragma once

#include "sasync/storage/stored_value.hpp"

#include <cstdint>

namespace sasync {

/// The value of an item or array cell and its version: 1 for a new row,
/// raised by every write. set_if/delete_if with this version succeed only
/// if nobody wrote in between.
struct versioned_value {
  std::uint64_t version = 0;
  stored_value value;

  friend bool operator==(const versioned_value& x, const versioned_value& y) {
    return x.version == y.version && x.value == y.value;
  }
  friend bool operator!=(const versioned_value& x, const versioned_value& y) {
    return !(x == y);
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, versioned_value& x) {
  return f(x.version, x.value);
}

} // namespace sasync
