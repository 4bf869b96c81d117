// Plain data that travels between nodes in requests: where an array cell
// is, and where a bulk insert writes. CAF inspects them (registered by name
// in actors/system_config.cpp); the SQL that uses them lives elsewhere.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

namespace sasync {

/// One array cell's coordinates.
struct coordinates {
  std::int64_t x = 0;
  std::int64_t y = 0;
  std::int64_t z = 0;

  friend bool operator<(const coordinates& a, const coordinates& b) {
    return std::tie(a.x, a.y, a.z) < std::tie(b.x, b.y, b.z);
  }
  friend bool operator==(const coordinates& a, const coordinates& b) {
    return a.x == b.x && a.y == b.y && a.z == b.z;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, coordinates& x) {
  return f(x.x, x.y, x.z);
}

/// Where a bulk insert writes, and how many rows each transaction takes.
struct insert_spec {
  std::string table;
  std::vector<std::string> columns;
  /// The column whose value each inserted row answers (RETURNING), e.g. an
  /// autoincrement key; empty answers no keys.
  std::string key;
  std::uint32_t batch_size = 1000;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, insert_spec& x) {
  return f(x.table, x.columns, x.key, x.batch_size);
}

} // namespace sasync
