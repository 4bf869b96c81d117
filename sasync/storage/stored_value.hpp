// A value as it is stored: its type's name and its encoded bytes.
#pragma once

#include "sasync/storage/value.hpp"

#include <string>

namespace sasync {

/// What the items and array tables hold per row. Text is kept as its own
/// bytes (type "string") so that it stays readable without the codec.
struct stored_value {
  std::string type;
  blob bytes;

  friend bool operator==(const stored_value& x, const stored_value& y) {
    return x.type == y.type && x.bytes == y.bytes;
  }
  friend bool operator!=(const stored_value& x, const stored_value& y) {
    return !(x == y);
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stored_value& x) {
  if constexpr (Inspector::reads_state) {
    return f(x.type, x.bytes);
  } else {
    if (auto err = f(x.type))
      return err;
    return load_blob(f, x.bytes);
  }
}

} // namespace sasync
