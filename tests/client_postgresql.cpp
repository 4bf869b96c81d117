// The client helpers on the real PostgreSQL server (see client_backend.ipp).
#define CAF_SUITE actors.client_postgresql

#include "backends.hpp"

namespace {

/// Drops the suite's table and forgets its groups (17017 to 17116) before
/// and after each test: the items and array tables are shared with other
/// suites, and a run must not meet the names an earlier one left.
struct backend : sasync::test::postgresql_tables {
  backend() : postgresql_tables("client_readings") { forget_groups(); }
  ~backend() { forget_groups(); }

  static void forget_groups() {
    auto conn = sasync::open_connection(
        sasync::engine_config::parse(url()), sasync::access_mode::write);
    for (auto table : {"sasync_items", "sasync_array"})
      conn->execute_script(std::string{"DO $$ BEGIN IF to_regclass('"} +
                           table + "') IS NOT NULL THEN DELETE FROM " + table +
                           " WHERE group_id BETWEEN 17017 AND 17116; END IF; "
                           "END $$");
  }
};

} // namespace

#include "client_backend.ipp"
