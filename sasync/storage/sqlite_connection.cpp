// The SQLite backend: SQLiteCpp underneath, errors translated at the edge.
#include "sasync/storage/sqlite_connection.hpp"

#include "sasync/storage/dialect.hpp"
#include "sasync/storage/event_log.hpp"
#include "sasync/storage/portable_text.hpp"
#include "sasync/storage/sqlite_checkpointer.hpp"
#include "sasync/storage/storage_failure.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace sasync {

namespace {

failure_kind classify(int primary_code) {
  switch (primary_code) {
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return failure_kind::busy;
  case SQLITE_RANGE:
  case SQLITE_TOOBIG:
  case SQLITE_MISMATCH:
    return failure_kind::invalid_argument;
  case SQLITE_CANTOPEN:
  case SQLITE_NOTADB:
    return failure_kind::connection;
  default:
    return failure_kind::database;
  }
}

/// Keeps SQLite's own words and extended code in the failure.
[[noreturn]] void rethrow(const SQLite::Exception& e, std::string_view sql) {
  auto ext = e.getExtendedErrorCode();
  auto primary = ext >= 0 ? (ext & 0xff) : e.getErrorCode();
  std::string what = "SQLite: ";
  what += e.what();
  if (!sql.empty()) {
    what += " [in: ";
    what += statement_excerpt(sql);
    what += ']';
  }
  throw storage_failure(classify(primary), what,
                        "SQLITE_" + std::to_string(ext < 0 ? primary : ext));
}

value column_value(const SQLite::Column& col) {
  switch (col.getType()) {
  case SQLITE_INTEGER:
    return value{static_cast<std::int64_t>(col.getInt64())};
  case SQLITE_FLOAT:
    return value{col.getDouble()};
  case SQLITE_TEXT:
    return value{col.getString()};
  case SQLITE_BLOB: {
    auto data = static_cast<const std::uint8_t*>(col.getBlob());
    return value{blob(data, data + col.getBytes())};
  }
  default:
    return value{};
  }
}

void bind(SQLite::Statement& stmt, int index, const value& x) {
  static const std::uint8_t empty_blob = 0;
  switch (x.type()) {
  case value::kind::null:
    stmt.bind(index);
    break;
  case value::kind::integer:
    stmt.bind(index, static_cast<int64_t>(x.as_integer()));
    break;
  case value::kind::real:
    stmt.bind(index, x.as_real());
    break;
  case value::kind::text:
    stmt.bindNoCopy(index, x.as_text());
    break;
  case value::kind::blob: {
    auto& b = x.as_blob();
    if (b.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
      throw_invalid("blob parameter " + std::to_string(index) +
                    " is too large for SQLite");
    // A null pointer would bind NULL; an empty blob is not NULL.
    stmt.bindNoCopy(index, b.empty() ? &empty_blob : b.data(),
                    static_cast<int>(b.size()));
    break;
  }
  }
}

/// SQLite prepares the first statement of a string and leaves the rest
/// unrun without a word; sasync refuses such a string whole, as
/// PostgreSQL's prepared statements do. Closing semicolons, space and
/// comments are no statement.
void check_single_statement(sqlite3* db, const std::string& sql) {
  if (sql.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    return; // SQLite refuses it when it prepares
  auto end = sql.c_str() + sql.size();
  const char* rest = nullptr;
  sqlite3_stmt* stmt = nullptr;
  auto rc = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()),
                               &stmt, &rest);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_OK)
    return; // SQLiteCpp reports the error when it prepares the statement
  while (rest != nullptr && rest < end) {
    const char* next = nullptr;
    stmt = nullptr;
    rc = sqlite3_prepare_v2(db, rest, static_cast<int>(end - rest), &stmt,
                            &next);
    auto another = rc != SQLITE_OK || stmt != nullptr;
    sqlite3_finalize(stmt);
    if (another)
      throw_invalid("SQLite takes one statement at a time; this one has "
                    "more after its first [in: " +
                    statement_excerpt(sql) + "]");
    if (next == rest)
      break;
    rest = next;
  }
}

/// Binds `params` to `stmt`'s placeholders, one each, or throws.
void bind_all(SQLite::Statement& stmt, const std::vector<value>& params,
              std::string_view sql) {
  if (static_cast<size_t>(stmt.getBindParameterCount()) != params.size())
    throw_invalid("statement takes " +
                  std::to_string(stmt.getBindParameterCount()) +
                  " parameters, got " + std::to_string(params.size()) +
                  " [in: " + statement_excerpt(sql) + "]");
  for (size_t i = 0; i < params.size(); ++i)
    bind(stmt, static_cast<int>(i + 1), params[i]);
}

/// Steps one statement of its own, so the cursor never disturbs the
/// connection's statement cache; it keeps its parameters, which SQLite
/// reads in place.
class sqlite_cursor final : public row_cursor {
public:
  sqlite_cursor(SQLite::Database& db, std::string_view sql,
                std::vector<value> params)
      : sql_(checked(db, sql)), params_(std::move(params)), stmt_(db, sql_) {
    bind_all(stmt_, params_, sql_);
    auto cols = stmt_.getColumnCount();
    for (int i = 0; i < cols; ++i)
      columns_.emplace_back(stmt_.getColumnName(i));
  }

  const std::vector<std::string>& columns() const noexcept override {
    return columns_;
  }

  bool fetch(size_t n, row_block& out) override {
    if (done_)
      return false;
    if (out.empty())
      out = row_block{columns_.size()};
    // Room for the rows asked for, within reason: n may be any number.
    out.reserve(out.size() + std::min<size_t>(n, 10'000));
    try {
      for (size_t got = 0; got < n; ++got) {
        if (!stmt_.executeStep()) {
          done_ = true;
          // A reset statement holds no read snapshot.
          stmt_.tryReset();
          return false;
        }
        if (cells_.size() != columns_.size()) // SQLiteCpp wants a row first
          for (int i = 0; i < static_cast<int>(columns_.size()); ++i)
            cells_.emplace_back(stmt_.getColumn(i));
        auto cell = out.add_row();
        for (auto& column : cells_)
          *cell++ = column_value(column);
      }
    } catch (const SQLite::Exception& e) {
      done_ = true;
      stmt_.tryReset();
      rethrow(e, sql_);
    }
    return true;
  }

private:
  static std::string checked(SQLite::Database& db, std::string_view sql) {
    std::string out{sql};
    check_single_statement(db.getHandle(), out);
    return out;
  }

  std::string sql_;
  std::vector<value> params_;
  SQLite::Statement stmt_;
  std::vector<std::string> columns_;
  /// One per column, each reading the current row: made once, at the
  /// first row, as each shares the statement's ownership (a reference
  /// count).
  std::vector<SQLite::Column> cells_;
  bool done_ = false;
};

class sqlite_connection final : public connection {
public:
  sqlite_connection(const engine_config& cfg, access_mode mode)
      : echo_(cfg.echo), mode_(cfg.in_memory() ? access_mode::write : mode),
        db_(open(cfg, mode_)) {
    if (cfg.in_memory())
      return;
    if (mode_ == access_mode::write) {
      // journal_mode is stored in the file; the writer sets it for all.
      auto got = query_text("PRAGMA journal_mode=" + cfg.journal_mode);
      std::transform(got.begin(), got.end(), got.begin(), ::toupper);
      if (got != cfg.journal_mode)
        throw storage_failure(
            failure_kind::connection,
            "SQLite: cannot set journal_mode=" + cfg.journal_mode + " on " +
                cfg.path + " (still " + got + ")");
      if (got == "WAL")
        take_over_checkpoints(cfg);
    }
    run("PRAGMA synchronous=" + cfg.synchronous);
  }

  dialect_kind dialect() const noexcept override {
    return dialect_kind::sqlite;
  }

  void begin(access_mode mode) override {
    // IMMEDIATE takes the write lock up front, so a writer never fails
    // half-way through with a lock upgrade conflict.
    static const std::string immediate = "BEGIN IMMEDIATE";
    static const std::string deferred = "BEGIN";
    run_cached(mode == access_mode::write && mode_ == access_mode::write
                   ? immediate
                   : deferred);
  }

  void commit() override {
    static const std::string commit = "COMMIT";
    try {
      run_cached(commit);
    } catch (...) {
      rollback();
      throw;
    }
  }

  void rollback() noexcept override {
    // SQLite rolls back by itself after some errors (full disk, I/O).
    if (sqlite3_get_autocommit(db_.getHandle()))
      return;
    try {
      run("ROLLBACK");
    } catch (...) {
      broken_ = true;
    }
  }

  result_set execute(std::string_view sql,
                     const std::vector<value>& params) override {
    statement_timer timed{sql};
    if (echo_)
      echo_statement(sql, params);
    check_portable_statement(sql, params);
    auto& stmt = prepared(sql);
    result_set out;
    try {
      stmt.tryReset();
      stmt.clearBindings();
      bind_all(stmt, params, sql);
      auto cols = stmt.getColumnCount();
      auto changes_before = sqlite3_total_changes(db_.getHandle());
      for (int i = 0; i < cols; ++i)
        out.columns.emplace_back(stmt.getColumnName(i));
      while (stmt.executeStep()) {
        row r;
        r.reserve(static_cast<size_t>(cols));
        for (int i = 0; i < cols; ++i)
          r.emplace_back(column_value(stmt.getColumn(i)));
        out.rows.emplace_back(std::move(r));
      }
      // sqlite3_changes() still holds the count of an earlier change after a
      // query; an INSERT ... RETURNING counts its own rows, as on PostgreSQL.
      if (cols == 0 ||
          sqlite3_total_changes(db_.getHandle()) != changes_before)
        out.rows_affected = db_.getChanges();
    } catch (const SQLite::Exception& e) {
      stmt.tryReset();
      rethrow(e, sql);
    }
    // A reset statement holds no read snapshot, so checkpoints can proceed.
    stmt.tryReset();
    return out;
  }

  std::unique_ptr<row_cursor>
  open_cursor(std::string_view sql, const std::vector<value>& params) override {
    if (!in_transaction())
      throw_invalid("a cursor needs an open transaction [in: " +
                    statement_excerpt(sql) + "]");
    statement_timer timed{sql};
    if (echo_)
      echo_statement(sql, params);
    check_portable_statement(sql, params);
    try {
      auto cursor = std::make_unique<sqlite_cursor>(db_, sql, params);
      ++prepare_count_;
      return cursor;
    } catch (const SQLite::Exception& e) {
      rethrow(e, sql);
    }
  }

  void execute_script(std::string_view sql) override { run(std::string{sql}); }

  bool prefers_autocommit() noexcept override {
    return !in_transaction() && usable();
  }

  bool in_transaction() const noexcept override {
    return !sqlite3_get_autocommit(db_.getHandle());
  }

  bool usable() const noexcept override { return !broken_; }

  size_t prepare_count() const noexcept override { return prepare_count_; }

  void interrupt() noexcept override {
    // Safe from another thread while the handle is open. A statement that
    // starts while no other runs clears it, so a late interrupt is lost
    // rather than stopping later work.
    sqlite3_interrupt(db_.getHandle());
  }

private:
  static SQLite::Database open(const engine_config& cfg, access_mode mode) {
    auto flags = SQLite::OPEN_NOMUTEX |
                 (mode == access_mode::write
                      ? SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE
                      : SQLite::OPEN_READONLY);
    auto timeout = std::min<std::int64_t>(cfg.pool_timeout.count(),
                                          std::numeric_limits<int>::max());
    try {
      return SQLite::Database(cfg.in_memory() ? ":memory:" : cfg.path, flags,
                              static_cast<int>(timeout));
    } catch (const SQLite::Exception& e) {
      throw storage_failure(failure_kind::connection,
                            "SQLite: cannot open " + cfg.display_url() + ": " +
                                e.what(),
                            "SQLITE_" + std::to_string(e.getErrorCode()));
    }
  }

  void run_savepoint_statements(const std::vector<std::string>& sql) override {
    for (auto& text : sql)
      run_cached(text);
  }

  /// Runs a statement without results, prepared once: transaction control
  /// runs once or twice per job.
  void run_cached(const std::string& sql) {
    statement_timer timed{sql};
    if (echo_)
      echo_statement(sql, {});
    auto& stmt = prepared(sql);
    try {
      stmt.tryReset();
      stmt.exec();
    } catch (const SQLite::Exception& e) {
      stmt.tryReset();
      rethrow(e, sql);
    }
  }

  void take_over_checkpoints(const engine_config& cfg) {
    try {
      checkpointer_ = std::make_unique<sqlite_checkpointer>(
          db_.getHandle(), cfg.path, cfg.synchronous);
    } catch (const std::exception& e) {
      // SQLite's own checkpoints stay: slower commits, the same data.
      log_event(log_level::warn,
                std::string{e.what()} +
                    "; the writer's commits run its checkpoints");
    }
  }

  void run(const std::string& sql) {
    statement_timer timed{sql};
    if (echo_)
      echo_statement(sql, {});
    try {
      db_.exec(sql);
    } catch (const SQLite::Exception& e) {
      rethrow(e, sql);
    }
  }

  std::string query_text(const std::string& sql) {
    try {
      return db_.execAndGet(sql).getString();
    } catch (const SQLite::Exception& e) {
      rethrow(e, sql);
    }
  }

  SQLite::Statement& prepared(std::string_view sql) {
    std::string key{sql};
    if (auto i = cache_.find(key); i != cache_.end())
      return *i->second;
    if (cache_.size() >= statement_cache_capacity)
      cache_.clear();
    check_single_statement(db_.getHandle(), key);
    try {
      auto stmt = std::make_unique<SQLite::Statement>(db_, key);
      ++prepare_count_;
      return *cache_.emplace(std::move(key), std::move(stmt)).first->second;
    } catch (const SQLite::Exception& e) {
      rethrow(e, sql);
    }
  }

  bool echo_;
  access_mode mode_;
  SQLite::Database db_;
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> cache_;
  size_t prepare_count_ = 0;
  bool broken_ = false;
  /// The writer's, in WAL mode; gone before db_ closes.
  std::unique_ptr<sqlite_checkpointer> checkpointer_;
};

} // namespace

std::unique_ptr<connection> open_sqlite(const engine_config& cfg,
                                        access_mode mode) {
  return std::make_unique<sqlite_connection>(cfg, mode);
}

} // namespace sasync
