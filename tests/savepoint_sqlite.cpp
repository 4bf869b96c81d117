// sasync::savepoint on a real SQLite file (see savepoint_backend.ipp).
#define CAF_SUITE storage.savepoint_sqlite

#include "backends.hpp"

#include <string>

namespace {

struct backend {
  sasync::test::sqlite_file file{"savepoint"};
  std::string url() const { return file.url(); }
  static std::string table() { return "units"; }
};

} // namespace

#include "savepoint_backend.ipp"
