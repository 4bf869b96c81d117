// The client helpers on the real PostgreSQL server (see client_backend.ipp).
#define CAF_SUITE actors.client_postgresql

#include "backends.hpp"

namespace {

/// Drops the suite's table before and after each test.
struct backend : sasync::test::postgresql_tables {
  backend() : postgresql_tables("client_readings") {}
};

} // namespace

#include "client_backend.ipp"
