// Where a broker's database lives and how its connections behave.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sasync {

/// The databases sasync speaks to.
enum class dialect_kind : unsigned char { sqlite, postgresql };

/// A libpq connection keyword and its value (`sslmode`, `hostaddr`, ...).
struct libpq_param {
  std::string keyword;
  std::string value;
};

/// Parsed from an RFC-1738 URL plus options (sAsync's `engine(url, **kw)`):
///
///   sqlite:///relative.db          file relative to the working directory
///   sqlite:////absolute/path.db    absolute file
///   sqlite:// | sqlite:///:memory: in-memory database
///   postgresql://user:pass@host1:port1,host2:port2/db?opt=val
///   host=... dbname=... (a libpq keyword/value connection string)
///       PostgreSQL URLs and strings are read by libpq (PQconninfoParse)
///       once sasync's own options are taken out, so every form libpq
///       documents works: several hosts, hostaddr, service, unix-socket
///       directories as host.
///
/// Every option may also be a URL query parameter (or a keyword of a
/// keyword/value string); unknown ones are rejected.
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
  /// Name, address, or unix-socket directory; several, comma-separated,
  /// are tried in order (libpq's multi-host form).
  std::string host;
  /// 0 = libpq's default, or a list of ports in `libpq_params`.
  unsigned short port = 0;
  std::string database;
  /// Every other libpq keyword the URL set, in libpq's order, passed to
  /// libpq as it is (e.g. `sslmode`, `hostaddr`, `service`, a port list).
  std::vector<libpq_param> libpq_params;

  // -- pool (sAsync's engine keywords) -------------------------------------
  std::size_t pool_size = 5;
  std::size_t max_overflow = 10;
  /// The largest values set_option() and sasyncd's config accept.
  static constexpr std::size_t pool_size_limit = 1000;
  static constexpr std::size_t max_overflow_limit = 10'000;
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

  /// The URL again, with the password (and any other secret libpq
  /// parameter) masked, for status, logs and errors.
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
