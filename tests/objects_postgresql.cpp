// Items, dict and array on the real PostgreSQL server (see
// objects_backend.ipp).
#define CAF_SUITE actors.objects_postgresql

#include "backends.hpp"

namespace {

/// Drops the suite's tables before and after each test.
struct backend {
  static constexpr const char* tables =
      "sasync_items, sasync_array, batch_rows";
  backend() { sasync::test::drop_postgresql_tables(tables); }
  ~backend() { sasync::test::drop_postgresql_tables(tables); }
  static std::string url() { return sasync::test::postgresql_url(); }
};

} // namespace

#include "objects_backend.ipp"
