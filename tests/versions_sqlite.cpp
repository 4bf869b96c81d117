// Versions and compare-and-set on a real SQLite file (see
// versions_backend.ipp).
#define CAF_SUITE actors.versions_sqlite

#include "backends.hpp"

namespace {

struct backend : sasync::test::sqlite_file {
  backend() : sqlite_file("versions") {}
};

} // namespace

#include "versions_backend.ipp"
