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

/// A suite's tables in the PostgreSQL test database (a comma-separated
/// list), dropped before and after each fixture.
class postgresql_tables {
public:
  explicit postgresql_tables(std::string tables) : tables_(std::move(tables)) {
    drop();
  }
  ~postgresql_tables() { drop(); }

  static std::string url() { return postgresql_url(); }

private:
  void drop() {
    auto conn = open_connection(engine_config::parse(postgresql_url()),
                                access_mode::write);
    conn->execute_script("DROP TABLE IF EXISTS " + tables_);
  }

  std::string tables_;
};

} // namespace sasync::test
