// Items, dict and array on the real PostgreSQL server (see
// objects_backend.ipp).
#define CAF_SUITE actors.objects_postgresql

#include "backends.hpp"

namespace {

/// Drops the suite's tables before and after each test.
struct backend : sasync::test::postgresql_tables {
  backend() : postgresql_tables("sasync_items, sasync_array, batch_rows") {}
};

} // namespace

#include "objects_backend.ipp"
