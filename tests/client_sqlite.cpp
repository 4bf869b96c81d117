// The client helpers on real SQLite files (see client_backend.ipp).
#define CAF_SUITE actors.client_sqlite

#include "backends.hpp"

namespace {

struct backend : sasync::test::sqlite_file {
  backend() : sqlite_file("client") {}
};

} // namespace

#include "client_backend.ipp"
