// The broker on real SQLite files (see broker_backend.ipp).
#define CAF_SUITE actors.broker_sqlite

#include "actors/errc.hpp"

#include <filesystem>
#include <string>

#include <unistd.h>

namespace {

/// A fresh database file per fixture, removed afterwards.
struct backend {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("sasync-broker-" + std::to_string(::getpid()));

  backend() {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~backend() { std::filesystem::remove_all(dir); }

  std::string url() const {
    return "sqlite:///" + (dir / "broker.db").string();
  }

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
