// Items, dict and array on real SQLite files (see objects_backend.ipp).
#define CAF_SUITE actors.objects_sqlite

#include "backends.hpp"

namespace {

struct backend : sasync::test::sqlite_file {
  backend() : sqlite_file("objects") {}
};

} // namespace

#include "objects_backend.ipp"
