// The broker on the real PostgreSQL server (see broker_backend.ipp);
// SASYNC_PG_URL names the database.
#define CAF_SUITE actors.broker_postgresql

#include "actors/errc.hpp"

#include "backends.hpp"

namespace {

/// Drops the suite's table before and after each test.
struct backend : sasync::test::postgresql_tables {
  backend() : postgresql_tables("orders") {}

  static constexpr const char* index_query =
      "SELECT indexname FROM pg_indexes WHERE tablename = 'orders' AND "
      "indexname <> 'orders_pkey' ORDER BY indexname";
  static constexpr const char* unreachable_url =
      "postgresql://sasync:sasync@127.0.0.1:1/sasync_test?pool_timeout=2";
  static constexpr const char* unreachable_part = "127.0.0.1:1";
  /// The server may come back: work waits for it up to pool_timeout.
  static constexpr sasync::errc unreachable_errc = sasync::errc::timeout;
};

} // namespace

#include "broker_backend.ipp"
