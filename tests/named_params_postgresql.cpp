// Named parameters on the real PostgreSQL server (see
// named_params_backend.ipp): also its casts and dollar quotes.
#define CAF_SUITE actors.named_params_postgresql

#include "backends.hpp"

namespace {

struct backend : sasync::test::postgresql_tables {
  backend() : postgresql_tables("named_orders") {}

  static constexpr const char* literal_query =
      "SELECT :n::bigint + 1, $$:no$$::text /* :c */ -- :d\n";
};

} // namespace

#include "named_params_backend.ipp"
