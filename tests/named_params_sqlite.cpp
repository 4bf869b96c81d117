// Named parameters on real SQLite files (see named_params_backend.ipp).
#define CAF_SUITE actors.named_params_sqlite

#include "backends.hpp"

namespace {

struct backend : sasync::test::sqlite_file {
  backend() : sqlite_file("named-params") {}

  static constexpr const char* literal_query =
      "SELECT CAST(:n AS INTEGER) + 1, ':no' /* :c */ -- :d\n";
};

} // namespace

#include "named_params_backend.ipp"
