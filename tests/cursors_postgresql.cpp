// Cursors, bulk inserts and named statements on the real PostgreSQL server
// (see cursors_backend.ipp).
#define CAF_SUITE actors.cursors_postgresql

#include "backends.hpp"

#include <string>

namespace {

/// Drops the suite's tables before and after each test.
struct backend : sasync::test::postgresql_tables {
  backend() : postgresql_tables("cursor_rows") {}

  /// Every PostgreSQL connection reads.
  static std::size_t one_reader_pool() { return 1; }

  /// Division by zero at run time, in row 500.
  static std::string failing_query() {
    return "SELECT x, 1 / (x - 500) FROM generate_series(1, 1000) AS x";
  }
};

} // namespace

#include "cursors_backend.ipp"
