// Cursors, bulk inserts and named statements on real SQLite files (see
// cursors_backend.ipp).
#define CAF_SUITE actors.cursors_sqlite

#include "backends.hpp"

#include <string>

namespace {

struct backend : sasync::test::sqlite_file {
  backend() : sqlite_file("cursors") {}

  /// A file has one writer and pool-size - 1 readers.
  static std::size_t one_reader_pool() { return 2; }

  /// abs() of the smallest integer overflows at run time, in row 500.
  static std::string failing_query() {
    return "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n "
           "WHERE x < 1000) SELECT x, abs(CASE WHEN x = 500 THEN "
           "-9223372036854775807 - 1 ELSE x END) FROM n";
  }
};

} // namespace

#include "cursors_backend.ipp"
