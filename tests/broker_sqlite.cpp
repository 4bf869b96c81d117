// The broker on real SQLite files (see broker_backend.ipp).
#define CAF_SUITE actors.broker_sqlite

#include "actors/errc.hpp"

#include "backends.hpp"

namespace {

/// A fresh database file per fixture, removed afterwards.
struct backend : sasync::test::sqlite_file {
  backend() : sqlite_file("broker") {}

  static constexpr const char* index_query =
      "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = "
      "'orders' AND sql IS NOT NULL ORDER BY name";
  static constexpr const char* unreachable_url =
      "sqlite:////nonexistent-sasync-dir/x.db";
  static constexpr const char* unreachable_part = "nonexistent-sasync-dir";
  /// A file that cannot open fails at once.
  static constexpr sasync::errc unreachable_errc = sasync::errc::database_error;
};

} // namespace

#include "broker_backend.ipp"
