// Priorities on every operation on a real SQLite file (see
// priority_backend.ipp).
#define CAF_SUITE actors.priority_sqlite

#include "backends.hpp"

namespace {

struct backend : sasync::test::sqlite_file {
  backend() : sqlite_file("priority") {}
  static constexpr const char* serial_key = "INTEGER PRIMARY KEY AUTOINCREMENT";
  /// Reads go to WAL readers, beside the writer.
  static constexpr bool reads_share_the_writer = false;
};

} // namespace

#include "priority_backend.ipp"
