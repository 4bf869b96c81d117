// sasync::savepoint on the real PostgreSQL server (see
// savepoint_backend.ipp).
#define CAF_SUITE storage.savepoint_postgresql

#include "backends.hpp"

#include <string>

#include <unistd.h>

namespace {

struct backend {
  static std::string url() { return sasync::test::postgresql_url(); }
  /// A table of this process's own: other suites share the database.
  static std::string table() {
    return "savepoint_units_" + std::to_string(::getpid());
  }
};

} // namespace

#include "savepoint_backend.ipp"
