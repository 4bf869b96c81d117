// Where the backend suites keep their data: a fresh SQLite file per
// fixture, or the PostgreSQL test database (SASYNC_PG_URL overrides it).
#pragma once

#include "storage/connection.hpp"

#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace sasync::test {

/// A database file in a directory of its own, removed with the fixture.
class sqlite_file {
public:
  explicit sqlite_file(const std::string& name)
      : dir_(std::filesystem::temp_directory_path() /
             ("sasync-" + name + "-" + std::to_string(::getpid()))),
        name_(name) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~sqlite_file() { std::filesystem::remove_all(dir_); }

  std::string url() const {
    return "sqlite:///" + (dir_ / (name_ + ".db")).string();
  }

private:
  std::filesystem::path dir_;
  std::string name_;
};

inline std::string postgresql_url() {
  auto env = std::getenv("SASYNC_PG_URL");
  return env ? env : "postgresql://sasync:sasync@127.0.0.1:5432/sasync_test";
}

/// Drops the tables (a comma-separated list) if they exist.
inline void drop_postgresql_tables(const std::string& tables) {
  auto conn = open_connection(engine_config::parse(postgresql_url()),
                              access_mode::write);
  conn->execute_script("DROP TABLE IF EXISTS " + tables);
}

} // namespace sasync::test
