// What a dict actor reports about its cache: plain data that may travel to
// another node (registered by name in actors/system_config.cpp).
#pragma once

#include <cstdint>

namespace sasync {

struct dict_status {
  /// The cache holds the whole group (after preload or clear): reads never
  /// touch the database.
  bool preloaded = false;
  /// Names the cache holds, with a value or known to be missing.
  std::uint64_t cached = 0;
  /// Writes acknowledged but not committed yet.
  std::uint64_t unwritten = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dict_status& x) {
  return f(x.preloaded, x.cached, x.unwritten);
}

} // namespace sasync
