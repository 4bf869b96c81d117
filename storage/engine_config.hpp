// Where a broker's database lives and how its connections behave.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace sasync {

/// The databases sasync speaks to.
enum class dialect_kind : unsigned char { sqlite, postgresql };

/// Parsed from an RFC-1738 URL plus options (sAsync's `engine(url, **kw)`):
///
///   sqlite:///relative.db          file relative to the working directory
///   sqlite:////absolute/path.db    absolute file
///   sqlite:// | sqlite:///:memory: in-memory database
///   postgresql://user:pass@host:port/db?opt=val
///       percent-decoded; a host starting with '/' (or %2F) is a unix-socket
///       directory; `?host=/run/postgresql` works too.
///
/// Every option may also be a URL query parameter; unknown ones are rejected.
struct engine_config {
  dialect_kind dialect = dialect_kind::sqlite;

  // -- SQLite --------------------------------------------------------------
  std::string path;                 ///< file path; empty means in-memory
  std::string synchronous = "FULL"; ///< OFF | NORMAL | FULL | EXTRA
  std::string journal_mode =
      "WAL"; ///< WAL | DELETE | TRUNCATE | PERSIST | MEMORY | OFF

  // -- PostgreSQL ----------------------------------------------------------
  std::string user;
  std::string password;
  std::string host;        ///< name, address, or unix-socket directory
  unsigned short port = 0; ///< 0 = libpq's default
  std::string database;
  /// Query parameters that are not sasync options, passed to libpq as they
  /// are (e.g. `sslmode=require`, `connect_timeout=5`).
  std::string extra_params;

  // -- pool (sAsync's engine keywords) -------------------------------------
  std::size_t pool_size = 5;
  std::size_t max_overflow = 10;
  std::chrono::milliseconds pool_timeout{30'000};
  /// How long a transaction may run before its requesters get timeout (the
  /// work may still commit): a server that stops answering must not keep
  /// them waiting for good.
  std::chrono::milliseconds run_timeout{300'000};
  bool echo = false; ///< log every statement with its parameters

  /// Parses `url`; throws storage_failure(invalid_argument) naming the bad
  /// part.
  static engine_config parse(std::string_view url);

  /// Sets one option by its name (`pool_size`, `pool-size`, `echo`, ...) from
  /// its text; throws storage_failure(invalid_argument) on an unknown name or
  /// a malformed value.
  void set_option(std::string_view name, std::string_view text);

  /// True for an in-memory SQLite database (one connection serves all).
  bool in_memory() const noexcept {
    return dialect == dialect_kind::sqlite && path.empty();
  }

  /// The URL again, with the password masked (for logs and errors).
  std::string display_url() const;

  /// libpq connection string (key=value pairs, values quoted).
  std::string libpq_conninfo() const;
};

/// The process-wide default engine that brokers use when none is given
/// (sAsync's `engine()`). Until set, it is `sqlite:///sasync.db`.
engine_config default_engine();

/// Replaces the process-wide default engine.
void set_default_engine(engine_config cfg);

} // namespace sasync
