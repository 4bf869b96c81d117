// Where the backend suites keep their data: a fresh SQLite file per
// fixture, or the PostgreSQL test database (SASYNC_PG_URL overrides it).
#pragma once

#include "sasync/storage/connection.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>
#include <unistd.h>

namespace sasync::test {

/// An empty directory of the test's own, removed with the fixture.
class scratch_dir {
public:
  explicit scratch_dir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("sasync-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  ~scratch_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::filesystem::path& path() const noexcept { return path_; }

private:
  std::filesystem::path path_;
};

/// A database file in a directory of its own, removed with the fixture.
class sqlite_file {
public:
  explicit sqlite_file(const std::string& name) : dir_(name), name_(name) {}

  std::string url() const {
    return "sqlite:///" + (dir_.path() / (name_ + ".db")).string();
  }

private:
  scratch_dir dir_;
  std::string name_;
};

inline std::string postgresql_url() {
  auto env = std::getenv("SASYNC_PG_URL");
  return env ? env : "postgresql://sasync:sasync@127.0.0.1:5432/sasync_test";
}

/// A connection the local PostgreSQL server (or the resolver) refuses for
/// good, and words its refusal carries.
struct refused_connection {
  std::string url;
  std::string words;
};

/// Missing database, wrong password, unknown role (over TCP, where the
/// server says only that the password failed; over the socket, where peer
/// authentication names the role), and a host that does not resolve.
inline std::vector<refused_connection> refused_connections() {
  return {
      {"postgresql://sasync:sasync@127.0.0.1:5432/sasync_no_such_db",
       "database \"sasync_no_such_db\" does not exist"},
      {"postgresql://sasync:wrong@127.0.0.1:5432/sasync_test",
       "password authentication failed for user \"sasync\""},
      {"postgresql://sasync_no_such_role:x@127.0.0.1:5432/sasync_test",
       "password authentication failed for user \"sasync_no_such_role\""},
      {"postgresql://sasync_no_such_role@/sasync_test",
       "\"sasync_no_such_role\""},
      {"postgresql://sasync:sasync@no-such-host.invalid:5432/sasync_test",
       "could not translate host name \"no-such-host.invalid\""},
  };
}

/// `pg_ctlcluster 15 main VERB` (start, stop, restart) on the local
/// server; its exit code. Suites that call it run alone. The server gets
/// only the standard descriptors: one it inherited (a lock a test runner
/// holds, say) would stay held for as long as the server runs.
inline int postgresql_cluster(const char* verb) {
  return std::system(
      (std::string{"bash -c 'for fd in $(ls /proc/$$/fd); do "
                   "((fd > 2)) && eval \"exec $fd>&-\"; done; "
                   "exec pg_ctlcluster 15 main "} +
       verb + "' >/dev/null 2>&1")
          .c_str());
}

/// SIGSTOP or SIGCONT to every PostgreSQL server process of this machine;
/// its exit code. Suites that call it run alone.
inline int signal_postgresql(const char* sig) {
  return std::system(
      (std::string{"pkill -"} + sig + " -u postgres >/dev/null 2>&1").c_str());
}

/// The PostgreSQL server stopped (SIGSTOP) until thaw(), the end of the
/// scope, or a minute later, whatever happens to the test process. thaw()
/// calls the minute-later thaw off, so that it cannot thaw a later test's
/// freeze.
class frozen_postgresql {
public:
  frozen_postgresql() {
    if (auto out = ::popen("sh -c 'sleep 60 && pkill -CONT -u postgres' "
                           ">/dev/null 2>&1 & echo $!",
                           "r")) {
      if (std::fscanf(out, "%d", &watcher_) != 1)
        watcher_ = -1;
      ::pclose(out);
    }
    stopped_ = signal_postgresql("STOP") == 0;
  }
  frozen_postgresql(const frozen_postgresql&) = delete;
  frozen_postgresql& operator=(const frozen_postgresql&) = delete;
  ~frozen_postgresql() { thaw(); }

  /// Whether the SIGSTOP reached the server.
  bool stopped() const noexcept { return stopped_; }

  /// SIGCONT now; the exit code of the SIGCONT (0 if already thawed).
  int thaw() {
    if (watcher_ > 0)
      ::kill(watcher_, SIGTERM);
    watcher_ = -1;
    if (!stopped_)
      return 0;
    stopped_ = false;
    return signal_postgresql("CONT");
  }

private:
  pid_t watcher_ = -1;
  bool stopped_ = false;
};

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
