// Priorities on every operation on the real PostgreSQL server (see
// priority_backend.ipp).
#define CAF_SUITE actors.priority_postgresql

#include "backends.hpp"

namespace {

/// Drops the suite's tables before and after each test.
struct backend : sasync::test::postgresql_tables {
  backend()
      : postgresql_tables("sasync_items, sasync_array, prio_log, prio_rows") {}
  static constexpr const char* serial_key = "BIGSERIAL PRIMARY KEY";
  /// One pooled connection takes reads and writes alike.
  static constexpr bool reads_share_the_writer = true;
};

} // namespace

#include "priority_backend.ipp"
