// The PostgreSQL backend: libpqxx underneath, prepared statements cached per
// connection, errors classified by SQLSTATE at the edge.
#include "sasync/storage/postgresql_connection.hpp"

#include "sasync/storage/dialect.hpp"
#include "sasync/storage/event_log.hpp"
#include "sasync/storage/portable_text.hpp"
#include "sasync/storage/storage_failure.hpp"

#include <pqxx/pqxx>

#include <poll.h>

#include <charconv>
#include <cmath>
#include <exception>
#include <list>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace sasync {

namespace {

// PostgreSQL type OIDs (pg_type.dat) that map to sasync's value kinds.
constexpr pqxx::oid bool_oid = 16;
constexpr pqxx::oid bytea_oid = 17;
constexpr pqxx::oid int8_oid = 20;
constexpr pqxx::oid int2_oid = 21;
constexpr pqxx::oid int4_oid = 23;
constexpr pqxx::oid float4_oid = 700;
constexpr pqxx::oid float8_oid = 701;
constexpr pqxx::oid numeric_oid = 1700;

/// Statement text each connection keeps prepared, at most: statements may
/// be large (a peer's up to the node's statement_bytes).
constexpr size_t statement_cache_bytes = 64 << 20;

failure_kind classify(const std::string& sqlstate) {
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03")
    return failure_kind::busy; // serialization, deadlock, lock not available
  if (sqlstate.rfind("08", 0) == 0 || sqlstate.rfind("57P", 0) == 0)
    return failure_kind::connection;
  // Data exceptions (class 22: division by zero, out of range) are the
  // database refusing the statement, as SQLite's errors are.
  return failure_kind::database;
}

/// libpq's message on one line: its line breaks and hint indents become
/// single spaces.
std::string trimmed(std::string text) {
  std::string out;
  out.reserve(text.size());
  bool gap = false;
  for (char c : text) {
    if (c == '\n' || c == '\t' || c == '\r' || (c == ' ' && gap)) {
      gap = true;
      continue;
    }
    if (gap && !out.empty())
      out += ' ';
    gap = false;
    out += c;
  }
  return out;
}

/// The SQLSTATE of a failed connection attempt that trying again will not
/// mend (a missing database or role, a refused login, a host the resolver
/// does not know), or null for one that may pass (a server not started or
/// restarting, too many clients). libpq gives no SQLSTATE for a failed
/// connection, so its and the server's English words decide.
const char* refused_for_good(const std::string& words) {
  auto has = [&](const char* x) { return words.find(x) != std::string::npos; };
  auto missing = has("FATAL:") && has("\" does not exist");
  if (missing && has("role \""))
    return "28000";
  if (missing && has("database \""))
    return "3D000";
  if (has("password authentication failed") || has("no password supplied"))
    return "28P01";
  if (has("authentication failed") || has("no pg_hba.conf entry") ||
      has("is not permitted to log in"))
    return "28000"; // peer or ident authentication, or no way in at all
  if (has("permission denied for database"))
    return "42501";
  // The resolver's "Temporary failure in name resolution" may pass.
  if (has("could not translate host name") && !has("Temporary failure"))
    return "08001";
  return nullptr;
}

/// numeric as SQLite's arithmetic would answer: a whole number written
/// without a decimal point that fits 64 bits is an integer (sum of bigints),
/// anything else a real (avg, 2.5, NaN, beyond 64 bits), so as_real() and
/// as_integer() work on the same results on both backends.
value numeric_value(std::string_view text) {
  auto first = text.data();
  auto last = first + text.size();
  std::int64_t whole = 0;
  if (auto [end, ec] = std::from_chars(first, last, whole);
      ec == std::errc{} && end == last)
    return value{whole};
  double real = 0;
  auto [end, ec] = std::from_chars(first, last, real);
  if (ec == std::errc::result_out_of_range) {
    // numeric writes every digit: beyond a double's range either way.
    auto negative = text.front() == '-';
    auto digits = text.substr(negative ? 1 : 0);
    auto tiny = digits.size() > 1 && digits[0] == '0' && digits[1] == '.';
    auto magnitude = tiny ? 0.0 : HUGE_VAL;
    return value{negative ? -magnitude : magnitude};
  }
  if (ec != std::errc{} || end != last)
    return value{std::string{text}}; // no number PostgreSQL would write
  return value{real};
}

value field_value(const pqxx::field& f) {
  if (f.is_null())
    return value{};
  switch (f.type()) {
  case bool_oid:
    return value{std::int64_t{f.c_str()[0] == 't' ? 1 : 0}};
  case int2_oid:
  case int4_oid:
  case int8_oid:
    return value{f.as<std::int64_t>()};
  case float4_oid:
  case float8_oid: {
    // libpqxx 6 reads a double through a string stream, a sixth of the
    // connection thread's time in a scan; from_chars also reads NaN and
    // Infinity.
    double real = 0;
    auto last = f.c_str() + f.size();
    if (auto [end, ec] = std::from_chars(f.c_str(), last, real);
        ec == std::errc{} && end == last)
      return value{real};
    return value{f.as<double>()};
  }
  case numeric_oid:
    return numeric_value({f.c_str(), f.size()});
  case bytea_oid: {
    pqxx::binarystring bytes{f};
    return value{blob(bytes.data(), bytes.data() + bytes.size())};
  }
  default:
    return value{std::string{f.c_str(), f.size()}};
  }
}

class postgresql_connection;

/// A server-side cursor (DECLARE … NO SCROLL CURSOR) in the connection's
/// open transaction. It reads one FETCH FORWARD ahead: the server makes the
/// next rows while this thread converts the last ones, where a FETCH per
/// call would leave each side waiting for the other. Anything else the
/// connection sends first takes that FETCH's rows in (settle()), so
/// statements and other cursors may still come between fetches; an error
/// in the rows read ahead then fails the transaction there, and reaches
/// this cursor at its next fetch.
class postgresql_cursor final : public row_cursor {
public:
  postgresql_cursor(postgresql_connection& conn, pqxx::transaction_base& tx,
                    std::string name, std::string_view sql,
                    const std::vector<value>& params);
  ~postgresql_cursor() override;

  const std::vector<std::string>& columns() const noexcept override {
    return columns_;
  }

  bool fetch(size_t n, row_block& out) override;

  /// Waits for the FETCH on its way, if any: its rows become `fetched_`, a
  /// failure is kept for the next fetch.
  void settle() noexcept;

private:
  /// Sends FETCH FORWARD n without waiting for its rows.
  void send_fetch(size_t n);

  /// Converts up to `n` rows of `fetched_` into `out`; returns how many.
  size_t take(size_t n, row_block& out);

  /// fetch() inside guarded(): appends `n` rows (fewer at the end), then
  /// sends the next FETCH.
  void read(size_t n, row_block& out);

  postgresql_connection& conn_;
  pqxx::transaction_base& tx_;
  std::string name_;
  std::string sql_;
  std::vector<std::string> columns_;
  /// Carries the FETCH on its way, and only then: while it exists, the
  /// transaction runs nothing else.
  std::unique_ptr<pqxx::pipeline> pipeline_;
  pqxx::pipeline::query_id coming_ = 0;
  size_t coming_rows_ = 0;     ///< what the FETCH on its way asked for
  std::exception_ptr failure_; ///< of the FETCH read ahead
  pqxx::result fetched_;       ///< rows in, from fetched_pos_ on
  size_t fetched_pos_ = 0;
  bool server_done_ = false; ///< a FETCH came back short: no rows follow
  /// The connection's transaction the cursor lives in (transactions_).
  size_t transaction_;
  bool done_ = false;
  bool failed_ = false;
};

class postgresql_connection final : public connection {
  friend class postgresql_cursor;

public:
  postgresql_connection(const engine_config& cfg, access_mode mode)
      : echo_(cfg.echo), mode_(mode), conn_(connect(cfg)) {
    // nop
  }

  dialect_kind dialect() const noexcept override {
    return dialect_kind::postgresql;
  }

  void begin(access_mode mode) override {
    if (echo_)
      echo_statement("BEGIN", {});
    ++transactions_;
    guarded("BEGIN", [&] {
      if (mode == access_mode::read && mode_ == access_mode::read)
        tx_ = std::make_unique<pqxx::read_transaction>(conn_);
      else
        tx_ = std::make_unique<pqxx::work>(conn_);
    });
  }

  void commit() override {
    if (echo_)
      echo_statement("COMMIT", {});
    settle_read_ahead();
    auto tx = std::move(tx_);
    try {
      tx->commit();
      deallocate_evicted();
    } catch (const pqxx::in_doubt_error& e) {
      broken_ = true;
      // The commit may have happened: never safe to run again blindly.
      throw storage_failure(
          failure_kind::connection,
          std::string{"PostgreSQL: commit outcome unknown: "} + e.what());
    } catch (const pqxx::broken_connection& e) {
      broken_ = true;
      throw storage_failure(failure_kind::connection,
                            std::string{"PostgreSQL: connection lost at "
                                        "commit, outcome unknown: "} +
                                trimmed(e.what()));
    } catch (const pqxx::sql_error& e) {
      rethrow(e, "COMMIT");
    }
  }

  void rollback() noexcept override {
    if (!tx_)
      return;
    if (echo_)
      echo_statement("ROLLBACK", {});
    settle_read_ahead();
    try {
      tx_->abort();
    } catch (...) {
      broken_ = true;
    }
    tx_.reset();
    deallocate_evicted();
  }

  result_set execute(std::string_view sql,
                     const std::vector<value>& params) override {
    statement_timer timed{sql};
    if (echo_)
      echo_statement(sql, params);
    // libpq sends text parameters NUL-terminated: a NUL would cut them.
    check_portable_statement(sql, params);
    result_set out;
    guarded(sql, [&] {
      auto& stmt = prepared(sql);
      check_parameter_count(sql, stmt.parameters, params.size());
      auto& name = stmt.name;
      auto run_in = [&](pqxx::transaction_base& tx) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        // libpqxx 6 has no other way to bind a runtime mix of NULL, text
        // and binary parameters.
        auto call = tx.prepared(name);
        for (auto& p : params)
          bind(call, p);
        return call.exec();
#pragma GCC diagnostic pop
      };
      pqxx::result res;
      if (tx_) {
        res = run_in(*tx_);
      } else {
        pqxx::nontransaction auto_commit{conn_};
        res = run_in(auto_commit);
      }
      for (pqxx::row_size_type i = 0; i < res.columns(); ++i)
        out.columns.emplace_back(res.column_name(i));
      out.rows.reserve(res.size());
      for (const auto& r : res) {
        row values;
        values.reserve(r.size());
        for (const auto& f : r)
          values.emplace_back(field_value(f));
        out.rows.emplace_back(std::move(values));
      }
      out.rows_affected = static_cast<std::int64_t>(res.affected_rows());
    }, !tx_);
    return out;
  }

  std::unique_ptr<row_cursor>
  open_cursor(std::string_view sql, const std::vector<value>& params) override {
    if (!tx_)
      throw_invalid("a cursor needs an open transaction [in: " +
                    statement_excerpt(sql) + "]");
    statement_timer timed{sql};
    if (echo_)
      echo_statement(sql, params);
    check_portable_statement(sql, params);
    auto name = "sasync_cursor_" + std::to_string(++cursors_opened_);
    return std::make_unique<postgresql_cursor>(*this, *tx_, std::move(name),
                                               sql, params);
  }

  void execute_script(std::string_view sql) override {
    run(std::string{sql});
  }

  bool in_transaction() const noexcept override {
    return tx_ != nullptr;
  }

  bool usable() const noexcept override {
    return !broken_ && conn_.is_open();
  }

  bool prefers_autocommit() noexcept override {
    if (tx_ || !usable())
      return false;
    // An idle connection hears from the server unasked when it goes: a
    // FATAL, then the close (or, rarely, a notice; a new connection costs
    // little then). Either shows on the socket.
    pollfd idle{conn_.sock(), POLLIN | POLLRDHUP, 0};
    if (::poll(&idle, 1, 0) > 0 && idle.revents != 0) {
      broken_ = true;
      return false;
    }
    return true;
  }

  size_t prepare_count() const noexcept override {
    return prepare_count_;
  }

  void interrupt() noexcept override {
    // libpqxx's cancel is thread-safe (PQgetCancel, then PQcancel over a
    // connection of its own). The server ignores it while the connection
    // waits for its next statement.
    try {
      conn_.cancel_query();
    } catch (...) {
      // No cancel went out: the statement runs on, as it would anyway.
    }
  }

private:
  /// A cursor's FETCH on its way comes in before anything else goes out.
  void settle_read_ahead() noexcept {
    if (reading_ahead_)
      reading_ahead_->settle();
  }

  static pqxx::connection connect(const engine_config& cfg) {
    try {
      return pqxx::connection{cfg.libpq_conninfo()};
    } catch (const std::exception& e) {
      // libpq's words name the host; the URL shown masks the password.
      auto words = trimmed(e.what());
      auto refusal = refused_for_good(words);
      throw storage_failure(
          failure_kind::connection,
          "PostgreSQL: cannot connect to " + cfg.display_url() + ": " + words,
          refusal ? refusal : "08001",
          refusal == nullptr); // else the server may come back
    }
  }

  template <class Invocation>
  static void bind(Invocation& call, const value& x) {
    switch (x.type()) {
    case value::kind::null:
      call();
      break;
    case value::kind::integer:
      call(x.as_integer());
      break;
    case value::kind::real:
      call(x.as_real());
      break;
    case value::kind::text:
      call(x.as_text());
      break;
    case value::kind::blob: {
      auto& b = x.as_blob();
      call(pqxx::binarystring{b.data(), b.size()});
      break;
    }
    }
  }

  [[noreturn]] void rethrow(const pqxx::sql_error& e, std::string_view sql) {
    auto state = e.sqlstate();
    auto kind = classify(state);
    if (kind == failure_kind::connection)
      broken_ = true;
    throw storage_failure(kind,
                          "PostgreSQL: " + trimmed(e.what()) +
                              " [in: " + statement_excerpt(sql) + "]",
                          state);
  }

  /// Runs `fn`, libpqxx's exceptions turned into storage_failure.
  /// `commits_alone`: `fn` runs a statement outside a transaction, which
  /// may have committed when the connection was lost.
  template <class F>
  void guarded(std::string_view sql, F&& fn, bool commits_alone = false) {
    settle_read_ahead();
    try {
      fn();
    } catch (const pqxx::broken_connection& e) {
      broken_ = true;
      tx_.reset();
      if (commits_alone)
        throw storage_failure(failure_kind::connection,
                              "PostgreSQL: connection lost, outcome unknown: " +
                                  trimmed(e.what()) +
                                  " [in: " + statement_excerpt(sql) + "]",
                              "08006");
      // Nothing of an open transaction committed: safe to run again.
      throw storage_failure(failure_kind::connection,
                            "PostgreSQL: connection lost: " + trimmed(e.what()),
                            "08006", true);
    } catch (const pqxx::sql_error& e) {
      rethrow(e, sql);
    } catch (const pqxx::usage_error& e) {
      throw storage_failure(failure_kind::invalid_argument,
                            "PostgreSQL: " + trimmed(e.what()));
    } catch (const pqxx::conversion_error& e) {
      throw storage_failure(failure_kind::invalid_argument,
                            "PostgreSQL: " + trimmed(e.what()));
    }
  }

  void run(const std::string& sql) {
    statement_timer timed{sql};
    if (echo_)
      echo_statement(sql, {});
    guarded(sql, [&] {
      if (tx_) {
        tx_->exec(sql);
      } else {
        pqxx::nontransaction auto_commit{conn_};
        auto_commit.exec(sql);
      }
    }, !tx_);
  }

  struct prepared_statement {
    std::string name;
    size_t parameters;
  };

  /// Statements with their text, the most recently used first.
  using statement_list =
      std::list<std::pair<std::string, prepared_statement>>;

  const prepared_statement& prepared(std::string_view sql) {
    if (auto i = cache_.find(sql); i != cache_.end()) {
      recency_.splice(recency_.begin(), recency_, i->second);
      return i->second->second;
    }
    while (!recency_.empty() &&
           (cache_.size() >= statement_cache_capacity ||
            cached_bytes_ + sql.size() > statement_cache_bytes))
      evict_least_recent();
    // Names are never reused: one whose DEALLOCATE waits cannot collide.
    prepared_statement stmt{"sasync_" + std::to_string(++prepare_count_), 0};
    conn_.prepare(stmt.name, native_placeholders(dialect_kind::postgresql, sql,
                                                 &stmt.parameters));
    recency_.emplace_front(std::string{sql}, std::move(stmt));
    cache_.emplace(recency_.front().first, recency_.begin());
    cached_bytes_ += sql.size();
    return recency_.front().second;
  }

  /// Drops the least recently used statement from the cache and from the
  /// server. In a failed transaction PostgreSQL refuses DEALLOCATE (25P02):
  /// the statement then goes once the transaction has ended.
  void evict_least_recent() {
    auto name = std::move(recency_.back().second.name);
    cached_bytes_ -= recency_.back().first.size();
    cache_.erase(recency_.back().first);
    recency_.pop_back();
    try {
      conn_.unprepare(name);
    } catch (const pqxx::broken_connection&) {
      throw; // guarded() reports it
    } catch (const pqxx::sql_error&) {
      if (!tx_)
        throw;
      evicted_.push_back(std::move(name));
    }
  }

  /// DEALLOCATEs the statements evicted in a failed transaction, now that
  /// it has ended.
  void deallocate_evicted() noexcept {
    if (broken_)
      return; // a new connection starts without them
    for (auto i = evicted_.begin(); i != evicted_.end();) {
      try {
        conn_.unprepare(*i);
      } catch (const pqxx::sql_error&) {
        // Outside a transaction only a server that never had it refuses.
      } catch (...) {
        return;
      }
      i = evicted_.erase(i);
    }
  }

  /// The server answers a wrong count with a protocol error that libpqxx
  /// reports as a lost connection: catch it here, as SQLite does.
  static void check_parameter_count(std::string_view sql, size_t expected,
                                    size_t got) {
    if (expected != got)
      throw_invalid("statement takes " + std::to_string(expected) +
                    " parameters, got " + std::to_string(got) +
                    " [in: " + statement_excerpt(sql) + "]");
  }

  bool echo_;
  access_mode mode_;
  pqxx::connection conn_;
  std::unique_ptr<pqxx::transaction_base> tx_;
  statement_list recency_;
  /// Keys view the texts in recency_.
  std::unordered_map<std::string_view, statement_list::iterator> cache_;
  size_t cached_bytes_ = 0;
  /// Statements evicted whose DEALLOCATE the server refused so far.
  std::vector<std::string> evicted_;
  size_t prepare_count_ = 0;
  size_t cursors_opened_ = 0;
  /// Transactions begun: a cursor kept past its own finds nothing to close.
  size_t transactions_ = 0;
  /// The cursor whose FETCH is on its way, if any (postgresql_cursor).
  postgresql_cursor* reading_ahead_ = nullptr;
  bool broken_ = false;
};

postgresql_cursor::postgresql_cursor(postgresql_connection& conn,
                                     pqxx::transaction_base& tx,
                                     std::string name, std::string_view sql,
                                     const std::vector<value>& params)
    : conn_(conn),
      tx_(tx),
      name_(std::move(name)),
      sql_(sql),
      transaction_(conn.transactions_) {
  size_t parameters = 0;
  auto declare =
      "DECLARE " + name_ + " NO SCROLL CURSOR FOR " +
      native_placeholders(dialect_kind::postgresql, sql, &parameters);
  postgresql_connection::check_parameter_count(sql, parameters, params.size());
  conn_.guarded(sql_, [&] {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    // As in execute(): the only runtime binding libpqxx 6 offers.
    auto call = tx_.parameterized(declare);
    for (auto& p : params)
      postgresql_connection::bind(call, p);
    call.exec();
#pragma GCC diagnostic pop
    // FORWARD 0 before the first row moves nothing and returns no row, but
    // describes the columns, even of an empty result.
    auto head = tx_.exec("FETCH FORWARD 0 FROM " + name_);
    for (pqxx::row_size_type i = 0; i < head.columns(); ++i)
      columns_.emplace_back(head.column_name(i));
  });
}

postgresql_cursor::~postgresql_cursor() {
  if (pipeline_) {
    // A read-ahead nobody waits for may be a slow one that no watchdog
    // watches any more: cancel it (ignored if it has ended) and take its
    // answer off the connection. A cancelled FETCH fails the transaction,
    // whose rollback follows; CLOSE would fail in it.
    conn_.interrupt();
    settle();
    failed_ = failed_ || failure_ != nullptr;
  }
  // The transaction's end closes the cursor anyway; closing early frees the
  // server's resources if the transaction goes on.
  auto in_its_transaction =
      conn_.tx_ != nullptr && conn_.transactions_ == transaction_;
  if (failed_ || !conn_.usable() || !in_its_transaction)
    return;
  try {
    conn_.settle_read_ahead(); // another cursor's
    tx_.exec("CLOSE " + name_);
  } catch (...) {
    // Best effort only.
  }
}

void postgresql_cursor::send_fetch(size_t n) {
  // A pipeline that could not send goes at once: guarded() may end the
  // transaction it is attached to.
  auto sending = std::make_unique<pqxx::pipeline>(tx_);
  coming_ = sending->insert("FETCH FORWARD " + std::to_string(n) + " FROM " +
                            name_);
  pipeline_ = std::move(sending);
  coming_rows_ = n;
  conn_.reading_ahead_ = this;
}

void postgresql_cursor::settle() noexcept {
  if (!pipeline_)
    return;
  conn_.reading_ahead_ = nullptr;
  try {
    fetched_ = pipeline_->retrieve(coming_);
    fetched_pos_ = 0;
    server_done_ = fetched_.size() < coming_rows_;
  } catch (...) {
    failure_ = std::current_exception();
  }
  pipeline_.reset();
}

size_t postgresql_cursor::take(size_t n, row_block& out) {
  auto k = std::min(n, fetched_.size() - fetched_pos_);
  out.reserve(out.size() + k);
  for (auto i = fetched_pos_; i < fetched_pos_ + k; ++i) {
    auto cell = out.add_row();
    for (const auto& f : fetched_[static_cast<pqxx::result::size_type>(i)])
      *cell++ = field_value(f);
  }
  fetched_pos_ += k;
  return k;
}

bool postgresql_cursor::fetch(size_t n, row_block& out) {
  if (done_)
    return false;
  if (out.empty())
    out = row_block{columns_.size()};
  try {
    conn_.guarded(sql_, [&] { read(n, out); });
  } catch (...) {
    done_ = failed_ = true;
    throw;
  }
  return !done_;
}

void postgresql_cursor::read(size_t n, row_block& out) {
  // guarded() took in what was read ahead.
  if (failure_)
    std::rethrow_exception(std::exchange(failure_, nullptr));
  auto wanted = n;
  while (wanted > 0) {
    if (fetched_pos_ < fetched_.size()) {
      wanted -= take(wanted, out);
      continue;
    }
    if (server_done_)
      break;
    send_fetch(wanted);
    settle();
    if (failure_)
      std::rethrow_exception(std::exchange(failure_, nullptr));
  }
  // Rows left over wait for the next call; only then is more read.
  if (!server_done_ && fetched_pos_ >= fetched_.size())
    send_fetch(n);
  done_ = server_done_ && fetched_pos_ >= fetched_.size();
}

} // namespace

std::unique_ptr<connection> open_postgresql(const engine_config& cfg,
                                            access_mode mode) {
  return std::make_unique<postgresql_connection>(cfg, mode);
}

} // namespace sasync
