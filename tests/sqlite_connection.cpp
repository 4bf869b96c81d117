// The SQLite backend on real files and in memory: durability settings,
// values, transactions, savepoints and the statement cache.
#define CAF_SUITE storage.sqlite_connection

#include "sasync/storage/connection.hpp"

#include "echo_capture.hpp"
#include "portable_kinds.hpp"

#include "sasync/storage/metrics.hpp"
#include "sasync/storage/sqlite_checkpointer.hpp"
#include "sasync/storage/statement_watchdog.hpp"
#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/transaction.hpp"

#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace sasync;

namespace {

struct temp_db {
  std::filesystem::path dir;
  engine_config cfg;
  explicit temp_db(const std::string& query = {}) {
    dir = std::filesystem::temp_directory_path() /
          ("sasync-sqlite-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    cfg = engine_config::parse("sqlite:///" + (dir / "t.db").string() + query);
  }
  ~temp_db() { std::filesystem::remove_all(dir); }
};

/// The first column of the first row, by value (the result set is gone after
/// the call).
value scalar(connection& conn, const std::string& sql) {
  return conn.execute(sql).rows.at(0).at(0);
}

std::string failure_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const storage_failure& f) {
    return f.what();
  }
  return {};
}

} // namespace

CAF_TEST(files_default_to_wal_and_synchronous_full) {
  temp_db db;
  auto conn = open_connection(db.cfg, access_mode::write);
  CAF_CHECK_EQUAL(scalar(*conn, "PRAGMA journal_mode"), value{"wal"});
  CAF_CHECK_EQUAL(scalar(*conn, "PRAGMA synchronous").as_integer(),
                  2); // FULL
}

CAF_TEST(synchronous_can_be_chosen_in_the_url) {
  temp_db db{"?synchronous=NORMAL"};
  auto conn = open_connection(db.cfg, access_mode::write);
  CAF_CHECK_EQUAL(scalar(*conn, "PRAGMA synchronous").as_integer(), 1);
}

CAF_TEST(insert_returning_answers_the_keys_and_counts_the_rows) {
  temp_db db;
  auto conn = open_connection(db.cfg, access_mode::write);
  conn->execute_script("CREATE TABLE notes (id INTEGER PRIMARY KEY "
                       "AUTOINCREMENT, body TEXT)");
  conn->execute("INSERT INTO notes (body) VALUES ('first')");
  auto rs = conn->execute(
      "INSERT INTO notes (body) VALUES (?), (?) RETURNING id", {"a", "b"});
  CAF_REQUIRE_EQUAL(rs.rows.size(), 2u);
  std::vector<std::int64_t> keys{rs.rows[0].at(0).as_integer(),
                                 rs.rows[1].at(0).as_integer()};
  std::sort(keys.begin(), keys.end());
  CAF_CHECK_EQUAL(keys, (std::vector<std::int64_t>{2, 3}));
  CAF_CHECK_EQUAL(rs.rows_affected, 2);
  // A query after it counts nothing of its own.
  CAF_CHECK_EQUAL(conn->execute("SELECT id FROM notes").rows_affected, 0);
}

CAF_TEST(values_of_every_kind_round_trip) {
  auto conn =
      open_connection(engine_config::parse("sqlite://"), access_mode::write);
  conn->execute_script("CREATE TABLE v (a, b, c, d, e)");
  blob bytes{0, 1, 2, 255};
  conn->execute("INSERT INTO v VALUES (?, ?, ?, ?, ?)",
                {value{}, std::int64_t{-9'000'000'000}, 2.5, "text", bytes});
  conn->execute("INSERT INTO v VALUES (?, ?, ?, ?, ?)",
                {blob{}, 0, 0.0, "", value{}});
  auto rs = conn->execute("SELECT a, b, c, d, e FROM v ORDER BY rowid");
  CAF_REQUIRE_EQUAL(rs.rows.size(), 2u);
  CAF_CHECK_EQUAL(rs.columns,
                  (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  auto& r = rs.rows[0];
  CAF_CHECK(r[0].is_null());
  CAF_CHECK_EQUAL(r[1].as_integer(), -9'000'000'000);
  CAF_CHECK_EQUAL(r[2].as_real(), 2.5);
  CAF_CHECK_EQUAL(r[3].as_text(), "text");
  CAF_CHECK(r[4].as_blob() == bytes);
  // An empty blob is a blob, not NULL.
  CAF_CHECK(rs.rows[1][0].type() == value::kind::blob);
  CAF_CHECK(rs.rows[1][0].as_blob().empty());
}

CAF_TEST(numbers_have_the_same_kinds_on_both_backends) {
  auto conn =
      open_connection(engine_config::parse("sqlite://"), access_mode::write);
  test::check_portable_kinds(*conn);
}

CAF_TEST(reading_a_value_as_another_kind_names_both) {
  value v{"text"};
  auto msg = failure_of([&] { v.as_integer(); });
  CAF_CHECK_NOT_EQUAL(msg.find("integer"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(msg.find("text"), std::string::npos);
}

CAF_TEST(uncommitted_transaction_rolls_back_when_it_ends) {
  auto conn =
      open_connection(engine_config::parse("sqlite://"), access_mode::write);
  conn->execute_script("CREATE TABLE t (x)");
  {
    transaction tx{*conn, access_mode::write};
    conn->execute("INSERT INTO t VALUES (1)");
  }
  CAF_CHECK(!conn->in_transaction());
  CAF_CHECK_EQUAL(scalar(*conn, "SELECT count(*) FROM t").as_integer(), 0);
  {
    transaction tx{*conn, access_mode::write};
    conn->execute("INSERT INTO t VALUES (1)");
    tx.commit();
  }
  CAF_CHECK_EQUAL(scalar(*conn, "SELECT count(*) FROM t").as_integer(), 1);
}

// A statement that writes many rows needs a statement journal inside a
// transaction (a temporary file past 64 KiB) and none alone, so the queue
// runs a batch that is one such statement outside one.
CAF_TEST(a_statement_commits_alone_while_no_transaction_is_open) {
  temp_db db;
  auto conn = open_connection(db.cfg, access_mode::write);
  conn->execute_script("CREATE TABLE t (x PRIMARY KEY)");
  CAF_CHECK(conn->prefers_autocommit());
  conn->execute("INSERT INTO t VALUES (1), (2)");
  auto reader = open_connection(db.cfg, access_mode::read);
  CAF_CHECK_EQUAL(scalar(*reader, "SELECT count(*) FROM t").as_integer(), 2);
  CAF_CHECK(failure_of([&] { conn->execute("INSERT INTO t VALUES (3), (1)"); })
                .find("UNIQUE") != std::string::npos);
  CAF_CHECK_EQUAL(scalar(*reader, "SELECT count(*) FROM t").as_integer(), 2);
  transaction tx{*conn, access_mode::write};
  CAF_CHECK(!conn->prefers_autocommit());
}

CAF_TEST(rollback_to_savepoint_keeps_the_rest_of_the_transaction) {
  auto conn =
      open_connection(engine_config::parse("sqlite://"), access_mode::write);
  conn->execute_script("CREATE TABLE t (x)");
  transaction tx{*conn, access_mode::write};
  conn->execute("INSERT INTO t VALUES (1)");
  conn->savepoint("s");
  conn->execute("INSERT INTO t VALUES (2)");
  conn->rollback_to("s");
  conn->release("s");
  conn->execute("INSERT INTO t VALUES (3)");
  tx.commit();
  auto rs = conn->execute("SELECT x FROM t ORDER BY x");
  CAF_REQUIRE_EQUAL(rs.rows.size(), 2u);
  CAF_CHECK_EQUAL(rs.rows[0][0].as_integer(), 1);
  CAF_CHECK_EQUAL(rs.rows[1][0].as_integer(), 3);
}

CAF_TEST(statements_are_prepared_once_per_connection) {
  auto conn =
      open_connection(engine_config::parse("sqlite://"), access_mode::write);
  auto before = conn->prepare_count();
  for (int i = 0; i < 10; ++i)
    conn->execute("SELECT ?", {i});
  CAF_CHECK_EQUAL(conn->prepare_count(), before + 1);
}

CAF_TEST(readers_cannot_write) {
  temp_db db;
  auto writer = open_connection(db.cfg, access_mode::write);
  writer->execute_script("CREATE TABLE t (x)");
  auto reader = open_connection(db.cfg, access_mode::read);
  auto msg = failure_of([&] { reader->execute("INSERT INTO t VALUES (1)"); });
  CAF_CHECK_NOT_EQUAL(msg.find("readonly"), std::string::npos);
}

CAF_TEST(a_reader_sees_the_last_commit_while_a_write_is_open) {
  temp_db db;
  auto writer = open_connection(db.cfg, access_mode::write);
  writer->execute_script("CREATE TABLE t (x)");
  writer->execute("INSERT INTO t VALUES (1)");
  auto reader = open_connection(db.cfg, access_mode::read);
  transaction tx{*writer, access_mode::write};
  writer->execute("INSERT INTO t VALUES (2)");
  // WAL: the reader neither blocks nor sees the uncommitted row.
  CAF_CHECK_EQUAL(scalar(*reader, "SELECT count(*) FROM t").as_integer(), 1);
  tx.commit();
  CAF_CHECK_EQUAL(scalar(*reader, "SELECT count(*) FROM t").as_integer(), 2);
}

CAF_TEST(errors_keep_sqlite_words_and_code) {
  auto conn =
      open_connection(engine_config::parse("sqlite://"), access_mode::write);
  conn->execute_script("CREATE TABLE t (x PRIMARY KEY)");
  conn->execute("INSERT INTO t VALUES (1)");
  try {
    conn->execute("INSERT INTO t VALUES (1)");
    CAF_FAIL("duplicate key accepted");
  } catch (const storage_failure& f) {
    CAF_CHECK(f.kind() == failure_kind::database);
    CAF_CHECK_EQUAL(f.code(), "SQLITE_1555"); // SQLITE_CONSTRAINT_PRIMARYKEY
    CAF_CHECK_NOT_EQUAL(std::string{f.what()}.find("UNIQUE constraint failed"),
                        std::string::npos);
  }
}

CAF_TEST(opening_a_missing_directory_fails_naming_the_file) {
  auto cfg = engine_config::parse("sqlite:////nonexistent-sasync-dir/x.db");
  auto msg = failure_of([&] { open_connection(cfg, access_mode::write); });
  CAF_CHECK_NOT_EQUAL(msg.find("/nonexistent-sasync-dir/x.db"),
                      std::string::npos);
}

CAF_TEST(echo_logs_each_statement_with_its_parameters) {
  test::echo_capture echo;
  auto conn = open_connection(engine_config::parse("sqlite://?echo=true"),
                              access_mode::write);
  conn->execute("SELECT ?, ?, ?", {42, "it's", value{}});
  CAF_CHECK(echo.logged("SELECT ?, ?, ?  -- [42, 'it's', NULL]"));
  auto quiet =
      open_connection(engine_config::parse("sqlite://"), access_mode::write);
  quiet->execute("SELECT 'not logged'");
  CAF_CHECK(!echo.logged("not logged"));
}

namespace {

/// Reads a whole cursor in batches of `n`, recording each batch's size.
row_block drain(row_cursor& cur, size_t n, std::vector<size_t>& sizes) {
  row_block all;
  for (bool more = true; more;) {
    auto before = all.size();
    more = cur.fetch(n, all);
    sizes.push_back(all.size() - before);
  }
  return all;
}

const char* count_to_2500 =
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n "
    "WHERE x < ?) SELECT x, 'row ' || x AS label FROM n";

} // namespace

CAF_TEST(a_cursor_reads_a_result_in_batches_of_at_most_n) {
  auto conn =
      open_connection(engine_config::parse("sqlite://"), access_mode::write);
  transaction tx{*conn, access_mode::read};
  auto cur = conn->open_cursor(count_to_2500, {2500});
  CAF_CHECK_EQUAL(cur->columns(), (std::vector<std::string>{"x", "label"}));
  std::vector<size_t> sizes;
  auto rows = drain(*cur, 1000, sizes);
  CAF_CHECK_EQUAL(sizes, (std::vector<size_t>{1000, 1000, 500}));
  CAF_REQUIRE_EQUAL(rows.size(), 2500u);
  CAF_CHECK_EQUAL(rows[2499], (row{2500, "row 2500"}));
  row_block more;
  CAF_CHECK(!cur->fetch(10, more));
  CAF_CHECK(more.empty());
}

CAF_TEST(a_cursor_over_an_empty_result_knows_its_columns) {
  auto conn =
      open_connection(engine_config::parse("sqlite://"), access_mode::write);
  conn->execute_script("CREATE TABLE t (a, b, c)");
  transaction tx{*conn, access_mode::read};
  auto cur = conn->open_cursor("SELECT a, b, c FROM t WHERE a > ?", {0});
  CAF_CHECK_EQUAL(cur->columns(), (std::vector<std::string>{"a", "b", "c"}));
  row_block rows;
  CAF_CHECK(!cur->fetch(100, rows));
  CAF_CHECK(rows.empty());
}

CAF_TEST(an_error_in_a_later_row_reaches_the_fetch_that_meets_it) {
  auto conn =
      open_connection(engine_config::parse("sqlite://"), access_mode::write);
  transaction tx{*conn, access_mode::read};
  // abs() of the smallest integer overflows: row 500 fails, 1..499 do not.
  auto cur = conn->open_cursor(
      "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n "
      "WHERE x < 1000) SELECT x, abs(CASE WHEN x = 500 THEN "
      "-9223372036854775807 - 1 ELSE x END) FROM n");
  row_block rows;
  CAF_CHECK(cur->fetch(400, rows));
  auto msg = failure_of([&] { cur->fetch(400, rows); });
  CAF_CHECK_NOT_EQUAL(msg.find("integer overflow"), std::string::npos);
  CAF_CHECK_EQUAL(rows.size(), 499u);
  CAF_CHECK(!cur->fetch(400, rows));
}

CAF_TEST(a_cursor_needs_a_transaction_and_the_right_parameters) {
  auto conn =
      open_connection(engine_config::parse("sqlite://"), access_mode::write);
  auto msg = failure_of([&] { conn->open_cursor("SELECT 1"); });
  CAF_CHECK_NOT_EQUAL(msg.find("needs an open transaction"), std::string::npos);
  transaction tx{*conn, access_mode::read};
  msg = failure_of([&] { conn->open_cursor("SELECT ?, ?", {1}); });
  CAF_CHECK_NOT_EQUAL(msg.find("takes 2 parameters, got 1"), std::string::npos);
  msg = failure_of([&] { conn->open_cursor("SELEKT 1"); });
  CAF_CHECK_NOT_EQUAL(msg.find("syntax error"), std::string::npos);
}

CAF_TEST(a_cursor_keeps_its_snapshot_while_a_writer_commits) {
  temp_db db;
  auto writer = open_connection(db.cfg, access_mode::write);
  writer->execute_script("CREATE TABLE t (x)");
  for (int i = 0; i < 10; ++i)
    writer->execute("INSERT INTO t VALUES (?)", {i});
  auto reader = open_connection(db.cfg, access_mode::read);
  transaction tx{*reader, access_mode::read};
  auto cur = reader->open_cursor("SELECT x FROM t ORDER BY x");
  row_block rows;
  CAF_CHECK(cur->fetch(5, rows));
  // WAL: the writer is not blocked by the open cursor and the cursor does
  // not see the new row.
  writer->execute("INSERT INTO t VALUES (100)");
  CAF_CHECK(!cur->fetch(100, rows));
  CAF_CHECK_EQUAL(rows.size(), 10u);
}

CAF_TEST(
    a_watchdog_interrupts_a_runaway_statement_and_the_connection_serves_on) {
  temp_db db;
  auto conn = open_connection(db.cfg, access_mode::write);
  statement_watchdog watchdog;
  const std::string runaway =
      "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) "
      "SELECT count(*) FROM r";
  auto t0 = std::chrono::steady_clock::now();
  watchdog.arm(*conn, std::chrono::milliseconds(300));
  auto msg = failure_of([&] { conn->execute(runaway); });
  CAF_CHECK(watchdog.disarm());
  auto waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  CAF_MESSAGE("interrupted after " << waited << " s: " << msg);
  CAF_CHECK_NOT_EQUAL(msg.find("interrupted"), std::string::npos);
  // The next statement runs, and a watch that ends in time interrupts
  // nothing, not even what follows it.
  watchdog.arm(*conn, std::chrono::milliseconds(300));
  CAF_CHECK_EQUAL(scalar(*conn, "SELECT 7").as_integer(), 7);
  CAF_CHECK(!watchdog.disarm());
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CAF_CHECK_EQUAL(scalar(*conn, "SELECT 8").as_integer(), 8);
  // A cursor's fetch is interrupted the same way.
  transaction tx{*conn, access_mode::read};
  auto cur = conn->open_cursor(runaway);
  row_block rows;
  watchdog.arm(*conn, std::chrono::milliseconds(300));
  msg = failure_of([&] { cur->fetch(10, rows); });
  CAF_CHECK(watchdog.disarm());
  CAF_CHECK_NOT_EQUAL(msg.find("interrupted"), std::string::npos);
  CAF_CHECK(conn->usable());
}

/// The ids of this process's threads.
std::set<std::string> thread_ids() {
  std::set<std::string> out;
  for (auto& task : std::filesystem::directory_iterator{"/proc/self/task"})
    out.insert(task.path().filename().string());
  return out;
}

/// Voluntary context switches (sleeps, each ended by a wake-up) of the
/// given threads.
std::uint64_t sleeps_of(const std::set<std::string>& threads) {
  std::uint64_t out = 0;
  for (auto& id : threads) {
    std::ifstream status{"/proc/self/task/" + id + "/status"};
    std::string key;
    std::uint64_t n = 0;
    while (status >> key)
      if (key == "voluntary_ctxt_switches:" && status >> n)
        out += n;
  }
  return out;
}

/// Threads that keep every core busy while they live, as other suites
/// do beside this one in CI.
class cpu_hogs {
public:
  cpu_hogs() {
    auto cores = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i <= cores; ++i)
      threads_.emplace_back([this] {
        while (!stop_.load(std::memory_order_relaxed))
          continue;
      });
  }
  ~cpu_hogs() {
    stop_ = true;
    for (auto& thread : threads_)
      thread.join();
  }

private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// Every batch is watched: a watch that ends in time must not cost a
// wake-up of the watchdog's thread each (a thread hand-off per batch),
// even on busy cores, where the woken thread runs late. Only the
// watchdog's own thread is counted: a sanitizer's background thread wakes
// on a timer of its own.
CAF_TEST(watches_that_end_in_time_do_not_wake_the_watchdog_each) {
  temp_db db;
  auto conn = open_connection(db.cfg, access_mode::write);
  statement_watchdog watchdog;
  auto before_watchdog = thread_ids();
  watchdog.arm(*conn, std::chrono::seconds(30)); // its thread starts
  CAF_CHECK(!watchdog.disarm());
  std::set<std::string> watchdog_threads;
  for (auto& id : thread_ids())
    if (before_watchdog.count(id) == 0)
      watchdog_threads.insert(id);
  CAF_REQUIRE_EQUAL(watchdog_threads.size(), 1u);
  // Work between watches, as a connection has between batches, so that a
  // woken watchdog goes back to sleep before the next one.
  const std::string between =
      "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r "
      "WHERE i < 5000) SELECT count(*) FROM r";
  const int watches = 300;
  cpu_hogs busy_cores;
  auto before = sleeps_of(watchdog_threads);
  for (int i = 0; i < watches; ++i) {
    watchdog.arm(*conn, std::chrono::seconds(30));
    CAF_CHECK_EQUAL(scalar(*conn, "SELECT 1").as_integer(), 1);
    CAF_CHECK(!watchdog.disarm());
    CAF_CHECK_EQUAL(scalar(*conn, between).as_integer(), 5000);
  }
  auto slept = sleeps_of(watchdog_threads) - before;
  CAF_MESSAGE("the watchdog slept " << slept << " times in " << watches
                                    << " watches");
  CAF_CHECK_LESS(slept, static_cast<std::uint64_t>(watches / 10));
}

// The watchdog may be asleep until a long watch's deadline: a shorter
// watch after it must still be interrupted at its own.
CAF_TEST(a_short_watch_after_a_long_one_is_interrupted_at_its_own_limit) {
  temp_db db;
  auto conn = open_connection(db.cfg, access_mode::write);
  statement_watchdog watchdog;
  watchdog.arm(*conn, std::chrono::hours(1));
  CAF_CHECK_EQUAL(scalar(*conn, "SELECT 1").as_integer(), 1);
  CAF_CHECK(!watchdog.disarm());
  watchdog.arm(*conn, std::chrono::milliseconds(300));
  auto msg = failure_of([&] {
    conn->execute("WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                  "FROM r) SELECT count(*) FROM r");
  });
  CAF_CHECK(watchdog.disarm());
  CAF_CHECK_NOT_EQUAL(msg.find("interrupted"), std::string::npos);
}

// SQLite would run the first statement and skip the rest without a word.
CAF_TEST(more_than_one_statement_is_refused_before_any_runs) {
  temp_db db;
  auto conn = open_connection(db.cfg, access_mode::write);
  conn->execute_script("CREATE TABLE t (x INTEGER)");
  auto why =
      failure_of([&] { conn->execute("INSERT INTO t VALUES (1); DROP TABLE t"); });
  CAF_MESSAGE(why);
  CAF_CHECK_NOT_EQUAL(why.find("one statement"), std::string::npos);
  CAF_CHECK_EQUAL(scalar(*conn, "SELECT count(*) FROM t").as_integer(), 0);
  CAF_CHECK_NOT_EQUAL(
      failure_of([&] { conn->execute("SELECT 1; SELECT 2"); }).find(
          "one statement"),
      std::string::npos);
  // Closing semicolons, space and comments are no second statement.
  conn->execute("INSERT INTO t VALUES (2);  -- done\n");
  conn->execute("INSERT INTO t VALUES (3);; /* end */ ;\n");
  // A trigger's body has semicolons of its own.
  conn->execute("CREATE TRIGGER up AFTER INSERT ON t BEGIN "
                "UPDATE t SET x = x + 1 WHERE x = 100; SELECT 1; END");
  conn->begin(access_mode::read);
  CAF_CHECK_NOT_EQUAL(
      failure_of([&] { conn->open_cursor("SELECT 1; DROP TABLE t"); })
          .find("one statement"),
      std::string::npos);
  conn->rollback();
  CAF_CHECK_EQUAL(scalar(*conn, "SELECT count(*) FROM t").as_integer(), 2);
}

// What PostgreSQL cannot store exactly is refused here too, so a database
// moves between backends: a NUL byte or invalid UTF-8 in text.
CAF_TEST(text_postgresql_cannot_store_exactly_is_refused) {
  auto conn =
      open_connection(engine_config::parse("sqlite://"), access_mode::write);
  conn->execute_script("CREATE TABLE v (a)");
  auto refused = [&](const std::string& sql, std::vector<value> params) {
    try {
      conn->execute(sql, params);
    } catch (const storage_failure& f) {
      CAF_MESSAGE(f.what());
      return f.kind() == failure_kind::invalid_argument;
    }
    return false;
  };
  CAF_CHECK(refused("INSERT INTO v VALUES (?)", {std::string{"a\0b", 3}}));
  CAF_CHECK(refused("INSERT INTO v VALUES (?)", {std::string{"\xff"}}));
  CAF_CHECK(refused(std::string{"INSERT INTO v VALUES (1)\0 x", 27}, {}));
  conn->begin(access_mode::read);
  CAF_CHECK_NOT_EQUAL(failure_of([&] {
                        conn->open_cursor("SELECT ?", {std::string{"a\0b", 3}});
                      }).find("NUL"),
                      std::string::npos);
  conn->rollback();
  CAF_CHECK_EQUAL(scalar(*conn, "SELECT count(*) FROM v").as_integer(), 0);
  conn->execute("INSERT INTO v VALUES (?)", {blob{0, 0xff}});
  conn->execute("INSERT INTO v VALUES (?)", {std::string{"\xe2\x82\xac"}});
  CAF_CHECK_EQUAL(scalar(*conn, "SELECT count(*) FROM v").as_integer(), 2);
}

namespace {

/// Counts the checkpoints while it lives (metrics count only when on).
struct counting_checkpoints {
  counting_checkpoints() { metrics::enable(true); }
  ~counting_checkpoints() { metrics::enable(false); }
};

/// Checkpoints of SQLite logs so far, by the checkpoint thread or by the
/// writer itself (sqlite_checkpointer.hpp).
std::uint64_t checkpoints_by(const char* who) {
  return metrics::counter_of("sasync_sqlite_checkpoints_total", "",
                             {{"by", who}})
      .value();
}

/// Commits `commits` transactions of 8 rows of 1000 bytes from row `first`
/// on (about 3 pages of log each) and answers the largest size the log file
/// had after a commit.
std::uintmax_t write_log(connection& writer, const std::filesystem::path& wal,
                         int first, int commits) {
  std::uintmax_t largest = 0;
  blob bytes(1000, 0x5a);
  for (int i = 0; i < commits; ++i) {
    transaction tx{writer, access_mode::write};
    for (int row = 0; row < 8; ++row)
      writer.execute("INSERT INTO t VALUES (?, ?)",
                     {first + i * 8 + row, bytes});
    tx.commit();
    largest = std::max(largest, std::filesystem::file_size(wal));
  }
  return largest;
}

/// The log's size in a file holding `frames` pages of 4096 bytes.
constexpr std::uintmax_t log_bytes(int frames) {
  return 32 + static_cast<std::uintmax_t>(frames) * (24 + 4096);
}

} // namespace

CAF_TEST(a_writer_leaves_its_checkpoints_to_a_thread_and_its_log_stays_bounded) {
  counting_checkpoints counting;
  temp_db db{"?synchronous=NORMAL"};
  auto wal = db.dir / "t.db-wal";
  auto by_thread = checkpoints_by("thread");
  {
    auto writer = open_connection(db.cfg, access_mode::write);
    writer->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v)");
    // 20,000 pages of log: 20 times where SQLite would checkpoint.
    auto largest = write_log(*writer, wal, 0, 6'000);
    CAF_MESSAGE("log at most " << largest << " bytes; checkpoints by the "
                << "thread " << checkpoints_by("thread") - by_thread
                << ", by the writer " << checkpoints_by("writer"));
    CAF_CHECK_GREATER(checkpoints_by("thread"), by_thread);
    // At most the pages of the commit that reached the limit beyond it.
    CAF_CHECK_LESS_OR_EQUAL(largest,
                            log_bytes(sqlite_checkpointer::limit_frames + 16));
    CAF_CHECK_EQUAL(scalar(*writer, "SELECT count(*) FROM t").as_integer(),
                    48'000);
  }
  auto reopened = open_connection(db.cfg, access_mode::write);
  CAF_CHECK_EQUAL(scalar(*reopened, "PRAGMA integrity_check"), value{"ok"});
  CAF_CHECK_EQUAL(scalar(*reopened, "SELECT count(*) FROM t").as_integer(),
                  48'000);
}

CAF_TEST(a_reader_holding_the_log_keeps_it_only_until_it_lets_go) {
  counting_checkpoints counting;
  temp_db db{"?synchronous=NORMAL"};
  auto wal = db.dir / "t.db-wal";
  auto writer = open_connection(db.cfg, access_mode::write);
  writer->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v)");
  write_log(*writer, wal, 0, 10);
  auto reader = open_connection(db.cfg, access_mode::read);
  std::optional<transaction> snapshot{std::in_place, *reader,
                                      access_mode::read};
  CAF_CHECK_EQUAL(scalar(*reader, "SELECT count(*) FROM t").as_integer(), 80);
  // No checkpoint may copy what the reader's snapshot still reads from the
  // file, so the log grows past its limit.
  auto rows = 80;
  auto held = write_log(*writer, wal, rows, 3'500);
  rows += 8 * 3'500;
  CAF_CHECK_GREATER(held,
                    log_bytes(sqlite_checkpointer::limit_frames + 1'000));
  CAF_CHECK_EQUAL(scalar(*reader, "SELECT count(*) FROM t").as_integer(), 80);
  snapshot.reset();
  // Let go, the log is copied to its end by the writer at a commit soon
  // after (at the latest at the limit, which it is past)...
  auto by_writer = checkpoints_by("writer");
  auto copied_at = held;
  for (auto i = 0; i < 100 && checkpoints_by("writer") == by_writer; ++i) {
    copied_at = std::max(copied_at, write_log(*writer, wal, rows, 1));
    rows += 8;
  }
  CAF_REQUIRE_GREATER(checkpoints_by("writer"), by_writer);
  // ... and starts again from its beginning: however much more is written,
  // the file grows no more.
  auto after = write_log(*writer, wal, rows, 3'500);
  rows += 8 * 3'500;
  CAF_MESSAGE("log held: " << held << " bytes, copied at " << copied_at
                           << ", after: " << after);
  CAF_CHECK_EQUAL(after, copied_at);
  CAF_CHECK_EQUAL(scalar(*reader, "SELECT count(*) FROM t").as_integer(),
                  rows);
}

CAF_TEST(without_a_log_sqlite_checkpoints_nothing_and_no_thread_runs) {
  counting_checkpoints counting;
  temp_db db{"?journal_mode=DELETE"};
  auto by_thread = checkpoints_by("thread");
  auto writer = open_connection(db.cfg, access_mode::write);
  writer->execute_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v)");
  write_log(*writer, db.dir / "t.db", 0, 300);
  CAF_CHECK_EQUAL(checkpoints_by("thread"), by_thread);
  CAF_CHECK(!std::filesystem::exists(db.dir / "t.db-wal"));
}
