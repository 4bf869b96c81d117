// The backend interface: one open database connection and what it can do.
#pragma once

#include "sasync/storage/engine_config.hpp"
#include "sasync/storage/row_cursor.hpp"
#include "sasync/storage/value.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sasync {

/// What a transaction intends to do; SQLite readers are opened read-only and
/// writers take the write lock when their transaction begins.
enum class access_mode : unsigned char { read, write };

/// Prepared statements each connection keeps; a peer may send any number of
/// distinct statements, so the cache is bounded.
inline constexpr std::size_t statement_cache_capacity = 256;

/// One database connection. It belongs to exactly one owner at a time (in
/// sasync, one connection actor) and is not thread-safe, but for
/// interrupt(). Every member that talks to the database throws
/// storage_failure on failure.
class connection {
public:
  virtual ~connection();

  virtual dialect_kind dialect() const noexcept = 0;

  /// Starts a transaction.
  virtual void begin(access_mode mode) = 0;
  virtual void commit() = 0;
  /// Ends the open transaction, if any, without its changes. Never throws: a
  /// connection too broken to roll back is marked broken instead.
  virtual void rollback() noexcept = 0;

  /// Savepoints: the same SQL on every backend.
  void savepoint(const std::string& name);
  void release(const std::string& name);
  void rollback_to(const std::string& name);
  /// Releases `name` and sets it again, in one round trip.
  void renew_savepoint(const std::string& name);

  /// Runs one statement with bound parameters. `?` placeholders work on every
  /// backend. The statement is prepared once per connection and reused.
  virtual result_set execute(std::string_view sql,
                             const std::vector<value>& params = {}) = 0;

  /// Opens a query whose rows are read in batches (see row_cursor). Needs
  /// an open transaction: it throws storage_failure(invalid_argument)
  /// outside one. PostgreSQL takes only SELECT and VALUES here.
  virtual std::unique_ptr<row_cursor>
  open_cursor(std::string_view sql, const std::vector<value>& params = {}) = 0;

  /// Runs statements without parameters or results (DDL, pragmas).
  virtual void execute_script(std::string_view sql) = 0;

  /// True while a transaction is open.
  virtual bool in_transaction() const noexcept = 0;

  /// False once the connection has failed in a way that needs a reconnect.
  virtual bool usable() const noexcept = 0;

  /// True where a statement run outside a transaction, committing by
  /// itself, costs less than BEGIN, the statement and COMMIT, and the
  /// connection, idle, still looks open. PostgreSQL saves BEGIN's and
  /// COMMIT's round trips; SQLite saves their statements and, for a
  /// statement that writes many rows, the statement journal it needs inside
  /// a transaction (a temporary file once it outgrows 64 KiB). A PostgreSQL
  /// connection the server closed meanwhile (a restart) is marked unusable
  /// instead, so it is opened again before a statement goes out that could
  /// be left in doubt. Outside a transaction, a lost connection leaves the
  /// statement's outcome unknown: execute() then throws a failure that is
  /// not retryable.
  virtual bool prefers_autocommit() noexcept = 0;

  /// How many statements this connection has prepared (cache misses).
  virtual std::size_t prepare_count() const noexcept = 0;

  /// Asks the statement running now, if any, to stop; it then throws
  /// storage_failure. The one member another thread may call while the
  /// owner runs a statement (SQLite: sqlite3_interrupt; PostgreSQL: a cancel
  /// request, which waits for the server to take it). It may also stop the
  /// owner's next statement: the owner decides when it may be called (see
  /// statement_watchdog).
  virtual void interrupt() noexcept = 0;

protected:
  /// Runs savepoint statements in order, in one round trip where the
  /// backend has them. SQLite runs them as cached prepared statements,
  /// since a batch of group commit sets a savepoint per job.
  virtual void run_savepoint_statements(const std::vector<std::string>& sql);
};

/// Opens a connection as `cfg` says; `mode` read opens SQLite files
/// read-only. Throws storage_failure naming the database (never the
/// password).
std::unique_ptr<connection> open_connection(const engine_config& cfg,
                                            access_mode mode);

/// The start of a statement, short enough for an error message.
std::string statement_excerpt(std::string_view sql);

/// Logs one statement with its parameters (the engine's `echo` option).
void echo_statement(std::string_view sql, const std::vector<value>& params);

} // namespace sasync
