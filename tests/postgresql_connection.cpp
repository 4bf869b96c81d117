// The PostgreSQL backend against the real server (SASYNC_PG_URL): values,
// transactions, savepoints, the statement cache and error reporting.
#define CAF_SUITE storage.postgresql_connection

#include "sasync/storage/connection.hpp"

#include "echo_capture.hpp"
#include "portable_kinds.hpp"

#include "sasync/storage/statement_watchdog.hpp"
#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/transaction.hpp"

#include "backends.hpp"

#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <thread>

#include <unistd.h>

using namespace sasync;

namespace {

std::string pg_url() {
  return sasync::test::postgresql_url();
}

/// A connection and a table of its own, dropped at the end.
struct fixture {
  std::unique_ptr<connection> conn;
  std::string table = "t_" + std::to_string(::getpid());

  fixture() {
    conn = open_connection(engine_config::parse(pg_url()), access_mode::write);
    conn->execute_script("DROP TABLE IF EXISTS " + table);
    conn->execute_script("CREATE TABLE " + table +
                         " (k BIGINT PRIMARY KEY, i BIGINT, r DOUBLE "
                         "PRECISION, t TEXT, b BYTEA, f BOOLEAN)");
  }

  ~fixture() {
    try {
      conn->rollback();
      conn->execute_script("DROP TABLE IF EXISTS " + table);
    } catch (...) {
    }
  }

  std::int64_t count() {
    auto rs = conn->execute("SELECT count(*) FROM " + table);
    return rs.rows.at(0).at(0).as_integer();
  }
};

std::string failure_of(const std::function<void()>& fn,
                       std::string* code = nullptr) {
  try {
    fn();
  } catch (const storage_failure& f) {
    if (code)
      *code = f.code();
    return f.what();
  }
  return {};
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(postgresql_connection_tests, fixture)

CAF_TEST(values_of_every_kind_round_trip) {
  blob bytes{0, 1, 2, 255, 0};
  conn->execute("INSERT INTO " + table + " VALUES (?, ?, ?, ?, ?, ?)",
                {1, std::int64_t{-9'000'000'000}, 2.5, "it's", bytes, true});
  conn->execute("INSERT INTO " + table + " VALUES (?, ?, ?, ?, ?, ?)",
                {2, value{}, value{}, "", blob{}, value{}});
  auto rs = conn->execute("SELECT i, r, t, b, f FROM " + table + " ORDER BY k");
  CAF_REQUIRE_EQUAL(rs.rows.size(), 2u);
  CAF_CHECK_EQUAL(rs.columns,
                  (std::vector<std::string>{"i", "r", "t", "b", "f"}));
  auto& r = rs.rows[0];
  CAF_CHECK_EQUAL(r[0].as_integer(), -9'000'000'000);
  CAF_CHECK_EQUAL(r[1].as_real(), 2.5);
  CAF_CHECK_EQUAL(r[2].as_text(), "it's");
  CAF_CHECK(r[3].as_blob() == bytes);
  CAF_CHECK_EQUAL(r[4].as_integer(), 1);
  auto& empty = rs.rows[1];
  CAF_CHECK(empty[0].is_null());
  CAF_CHECK_EQUAL(empty[2].as_text(), "");
  CAF_CHECK(empty[3].type() == value::kind::blob);
  CAF_CHECK(empty[3].as_blob().empty());
}

CAF_TEST(numbers_have_the_same_kinds_on_both_backends) {
  test::check_portable_kinds(*conn);
}

CAF_TEST(numerics_beyond_a_double_read_as_its_limits) {
  auto one = [&](const std::string& expr) {
    auto x = conn->execute("SELECT " + expr).rows.at(0).at(0);
    CAF_MESSAGE(expr << " -> " << to_string(x.type()) << " " << to_display(x));
    return x;
  };
  CAF_CHECK_EQUAL(one("CAST('NaN' AS NUMERIC)").type(), value::kind::real);
  CAF_CHECK(std::isnan(one("CAST('NaN' AS NUMERIC)").as_real()));
  // (CAF_CHECK_EQUAL compares doubles within an epsilon: not infinities.)
  CAF_CHECK(one("CAST('Infinity' AS NUMERIC)").as_real() == HUGE_VAL);
  CAF_CHECK(one("CAST('-1e400' AS NUMERIC)").as_real() == -HUGE_VAL);
  CAF_CHECK_EQUAL(one("CAST('1e-400' AS NUMERIC)").as_real(), 0.0);
  CAF_CHECK_EQUAL(one("CAST('9223372036854775808' AS NUMERIC)").type(),
                  value::kind::real); // one past the largest bigint
  CAF_CHECK_EQUAL(one("CAST('-9223372036854775808' AS NUMERIC)").as_integer(),
                  INT64_MIN);
}

CAF_TEST(rows_affected_counts_changes) {
  for (int k = 0; k < 3; ++k)
    conn->execute("INSERT INTO " + table + " (k) VALUES (?)", {k});
  auto rs = conn->execute("UPDATE " + table + " SET i = 1 WHERE k < ?", {2});
  CAF_CHECK_EQUAL(rs.rows_affected, 2);
}

CAF_TEST(insert_returning_answers_the_keys_and_counts_the_rows) {
  auto rs = conn->execute("INSERT INTO " + table +
                              " (k) VALUES (?), (?) RETURNING k",
                          {7, 8});
  CAF_REQUIRE_EQUAL(rs.rows.size(), 2u);
  std::vector<std::int64_t> keys{rs.rows[0].at(0).as_integer(),
                                 rs.rows[1].at(0).as_integer()};
  std::sort(keys.begin(), keys.end());
  CAF_CHECK_EQUAL(keys, (std::vector<std::int64_t>{7, 8}));
  CAF_CHECK_EQUAL(rs.rows_affected, 2);
}

CAF_TEST(uncommitted_transaction_rolls_back_when_it_ends) {
  {
    transaction tx{*conn, access_mode::write};
    conn->execute("INSERT INTO " + table + " (k) VALUES (1)");
  }
  CAF_CHECK(!conn->in_transaction());
  CAF_CHECK_EQUAL(count(), 0);
  {
    transaction tx{*conn, access_mode::write};
    conn->execute("INSERT INTO " + table + " (k) VALUES (1)");
    tx.commit();
  }
  CAF_CHECK_EQUAL(count(), 1);
}

CAF_TEST(failed_statement_rolls_back_to_its_savepoint_only) {
  transaction tx{*conn, access_mode::write};
  conn->execute("INSERT INTO " + table + " (k) VALUES (1)");
  conn->savepoint("s");
  auto msg = failure_of(
      [&] { conn->execute("INSERT INTO " + table + " (k) VALUES (1)"); });
  CAF_CHECK_NOT_EQUAL(msg.find("duplicate key"), std::string::npos);
  conn->rollback_to("s");
  conn->release("s");
  conn->execute("INSERT INTO " + table + " (k) VALUES (2)");
  tx.commit();
  CAF_CHECK_EQUAL(count(), 2);
}

CAF_TEST(statements_are_prepared_once_per_connection) {
  auto before = conn->prepare_count();
  for (int i = 0; i < 10; ++i)
    conn->execute("SELECT ?::bigint", {i});
  CAF_CHECK_EQUAL(conn->prepare_count(), before + 1);
}

/// Statements the server holds prepared for this session.
std::int64_t server_prepared(connection& conn) {
  auto rs = conn.execute("SELECT count(*) FROM pg_prepared_statements");
  return rs.rows.at(0).at(0).as_integer();
}

/// A statement text of its own for each i.
std::string distinct_select(size_t i) {
  return "SELECT " + std::to_string(i) + "::bigint + ?::bigint";
}

CAF_TEST(distinct_statements_keep_the_server_side_count_at_the_cap) {
  auto n = statement_cache_capacity + 100;
  for (size_t i = 0; i < n; ++i)
    conn->execute(distinct_select(i), {std::int64_t{1}});
  auto held = server_prepared(*conn);
  CAF_MESSAGE(n << " distinct statements: the server holds " << held
                << " prepared");
  CAF_CHECK_LESS_OR_EQUAL(held, static_cast<std::int64_t>(
                                    statement_cache_capacity));
}

CAF_TEST(an_evicted_statement_runs_correctly_when_used_again) {
  conn->execute(distinct_select(0), {std::int64_t{1}});
  for (size_t i = 1; i <= statement_cache_capacity; ++i)
    conn->execute(distinct_select(i), {std::int64_t{1}});
  auto before = conn->prepare_count();
  auto rs = conn->execute(distinct_select(0), {std::int64_t{41}});
  CAF_CHECK_EQUAL(rs.rows.at(0).at(0).as_integer(), 41);
  CAF_CHECK_EQUAL(conn->prepare_count(), before + 1); // prepared again
  CAF_CHECK_LESS_OR_EQUAL(server_prepared(*conn),
                          static_cast<std::int64_t>(statement_cache_capacity));
}

CAF_TEST(a_statement_evicted_in_a_failed_transaction_keeps_the_connection) {
  for (size_t i = 0; i < statement_cache_capacity; ++i)
    conn->execute(distinct_select(i), {std::int64_t{1}});
  {
    transaction tx{*conn, access_mode::write};
    conn->execute("INSERT INTO " + table + " (k) VALUES (1)");
    auto msg = failure_of(
        [&] { conn->execute("INSERT INTO " + table + " (k) VALUES (1)"); });
    CAF_CHECK_NOT_EQUAL(msg.find("duplicate key"), std::string::npos);
    // The transaction is aborted; a new statement evicts the oldest.
    std::string code;
    msg = failure_of([&] { conn->execute("SELECT 'new'::text"); }, &code);
    CAF_MESSAGE("in the aborted transaction: " << msg);
    CAF_CHECK_EQUAL(code, "25P02");
  } // rolls back
  CAF_REQUIRE(conn->usable());
  CAF_CHECK_EQUAL(count(), 0);
  auto rs = conn->execute(distinct_select(0), {std::int64_t{6}});
  CAF_CHECK_EQUAL(rs.rows.at(0).at(0).as_integer(), 6);
  rs = conn->execute("SELECT 'new'::text");
  CAF_CHECK_EQUAL(rs.rows.at(0).at(0).as_text(), "new");
  CAF_CHECK_LESS_OR_EQUAL(server_prepared(*conn),
                          static_cast<std::int64_t>(statement_cache_capacity));
}

CAF_TEST(errors_keep_postgresql_words_and_sqlstate) {
  conn->execute("INSERT INTO " + table + " (k) VALUES (1)");
  std::string code;
  auto msg = failure_of(
      [&] { conn->execute("INSERT INTO " + table + " (k) VALUES (1)"); },
      &code);
  CAF_CHECK_EQUAL(code, "23505");
  CAF_CHECK_NOT_EQUAL(msg.find("duplicate key"), std::string::npos);
  msg = failure_of([&] { conn->execute("SELEKT 1"); }, &code);
  CAF_CHECK_EQUAL(code, "42601");
  CAF_CHECK(conn->usable());
}

CAF_TEST(wrong_password_names_host_and_database_but_not_the_password) {
  auto cfg = engine_config::parse(pg_url());
  cfg.password = "not-the-password";
  auto msg = failure_of([&] { open_connection(cfg, access_mode::write); });
  CAF_CHECK_NOT_EQUAL(msg.find(cfg.database), std::string::npos);
  CAF_CHECK_NOT_EQUAL(msg.find(cfg.host), std::string::npos);
  CAF_CHECK_EQUAL(msg.find("not-the-password"), std::string::npos);
}

CAF_TEST(missing_database_is_a_clear_error) {
  auto cfg = engine_config::parse(pg_url());
  cfg.database = "sasync_no_such_db";
  auto msg = failure_of([&] { open_connection(cfg, access_mode::write); });
  CAF_CHECK_NOT_EQUAL(msg.find("sasync_no_such_db"), std::string::npos);
}

CAF_TEST(echo_logs_each_statement_with_its_parameters) {
  test::echo_capture echo;
  auto cfg = engine_config::parse(pg_url());
  cfg.echo = true;
  auto loud = open_connection(cfg, access_mode::write);
  loud->execute("SELECT ?::bigint, ?::text", {7, "x"});
  CAF_CHECK(echo.logged("SELECT ?::bigint, ?::text  -- [7, 'x']"));
  conn->execute("SELECT 'not logged'");
  CAF_CHECK(!echo.logged("not logged"));
}

// libpq sends text parameters NUL-terminated: "a\0b" would arrive as "a".
CAF_TEST(text_postgresql_cannot_store_exactly_is_refused_not_cut) {
  std::string cut;
  auto refused = [&](const std::string& sql, std::vector<value> params) {
    try {
      auto rs = conn->execute(sql, params);
      if (!rs.rows.empty() && rs.rows[0][0].type() == value::kind::text)
        cut = rs.rows[0][0].as_text();
    } catch (const storage_failure& f) {
      CAF_MESSAGE(f.what());
      return f.kind() == failure_kind::invalid_argument;
    }
    return false;
  };
  CAF_CHECK(refused("SELECT ?::text", {std::string{"a\0b", 3}}));
  if (!cut.empty())
    CAF_MESSAGE("3 bytes came back as " << cut.size());
  CAF_CHECK(refused("INSERT INTO " + table + " (k, t) VALUES (1, ?)",
                    {std::string{"\xff"}}));
  CAF_CHECK(
      refused(std::string{"SELECT 1\0 x", 11}, {}));
  CAF_CHECK_EQUAL(count(), 0);
  conn->execute("INSERT INTO " + table + " (k, t, b) VALUES (2, ?, ?)",
                {std::string{"\xe2\x82\xac"}, blob{0, 0xff}});
  CAF_CHECK_EQUAL(count(), 1);
}

CAF_TEST(more_than_one_statement_is_refused) {
  CAF_CHECK_NOT_EQUAL(failure_of([&] {
                        conn->execute("INSERT INTO " + table +
                                      " (k) VALUES (1); DROP TABLE " + table);
                      }),
                      "");
  CAF_CHECK_EQUAL(count(), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

const char* count_to_n = "SELECT x, 'row ' || x AS label "
                         "FROM generate_series(1, ?::int) AS x";

} // namespace

CAF_TEST_FIXTURE_SCOPE(postgresql_cursor_tests, fixture)

CAF_TEST(a_cursor_reads_a_result_in_batches_of_at_most_n) {
  transaction tx{*conn, access_mode::read};
  auto cur = conn->open_cursor(count_to_n, {2500});
  CAF_CHECK_EQUAL(cur->columns(), (std::vector<std::string>{"x", "label"}));
  std::vector<size_t> sizes;
  row_block rows;
  for (bool more = true; more;) {
    auto before = rows.size();
    more = cur->fetch(1000, rows);
    sizes.push_back(rows.size() - before);
  }
  CAF_CHECK_EQUAL(sizes, (std::vector<size_t>{1000, 1000, 500}));
  CAF_REQUIRE_EQUAL(rows.size(), 2500u);
  CAF_CHECK_EQUAL(rows[2499], (row{2500, "row 2500"}));
  CAF_CHECK(!cur->fetch(10, rows));
}

CAF_TEST(a_cursor_over_an_empty_result_knows_its_columns) {
  transaction tx{*conn, access_mode::read};
  auto cur =
      conn->open_cursor("SELECT k, i, t FROM " + table + " WHERE k > ?", {0});
  CAF_CHECK_EQUAL(cur->columns(), (std::vector<std::string>{"k", "i", "t"}));
  row_block rows;
  CAF_CHECK(!cur->fetch(100, rows));
  CAF_CHECK(rows.empty());
}

CAF_TEST(an_error_in_a_later_row_reaches_the_fetch_that_meets_it) {
  transaction tx{*conn, access_mode::read};
  auto cur = conn->open_cursor(
      "SELECT x, 1 / (x - 500) FROM generate_series(1, 1000) AS x");
  row_block rows;
  CAF_CHECK(cur->fetch(400, rows));
  std::string code;
  auto msg = failure_of([&] { cur->fetch(400, rows); }, &code);
  CAF_CHECK_EQUAL(code, "22012");
  CAF_CHECK_NOT_EQUAL(msg.find("division by zero"), std::string::npos);
  CAF_CHECK_EQUAL(rows.size(), 400u); // the failed batch adds nothing
  CAF_CHECK(!cur->fetch(400, rows));
  CAF_CHECK(conn->usable());
}

CAF_TEST(a_cursor_needs_a_transaction_and_the_right_parameters) {
  auto msg = failure_of([&] { conn->open_cursor("SELECT 1"); });
  CAF_CHECK_NOT_EQUAL(msg.find("needs an open transaction"), std::string::npos);
  {
    transaction tx{*conn, access_mode::read};
    msg = failure_of([&] { conn->open_cursor("SELECT ?::int, ?::int", {1}); });
    CAF_CHECK_NOT_EQUAL(msg.find("takes 2 parameters, got 1"),
                        std::string::npos);
    msg = failure_of([&] { conn->execute("SELECT ?::int", {1, 2}); });
    CAF_CHECK_NOT_EQUAL(msg.find("takes 1 parameters, got 2"),
                        std::string::npos);
    CAF_CHECK(conn->usable());
  }
  transaction tx{*conn, access_mode::read};
  std::string code;
  msg = failure_of([&] { conn->open_cursor("SELEKT 1"); }, &code);
  CAF_CHECK_EQUAL(code, "42601");
  CAF_CHECK(conn->usable());
}

CAF_TEST(two_cursors_on_one_transaction_interleave) {
  transaction tx{*conn, access_mode::read};
  auto first = conn->open_cursor(count_to_n, {30});
  auto second = conn->open_cursor(count_to_n, {30});
  row_block a;
  row_block b;
  for (int i = 0; i < 3; ++i) {
    first->fetch(10, a);
    second->fetch(10, b);
  }
  CAF_CHECK_EQUAL(a.size(), 30u);
  CAF_CHECK_EQUAL(a, b);
}

CAF_TEST(rows_read_ahead_reach_fetches_of_any_size_and_statements_between) {
  transaction tx{*conn, access_mode::read};
  auto cur = conn->open_cursor(count_to_n, {5000});
  row_block rows;
  // Each fetch leaves the next FETCH on its way; a smaller fetch takes
  // part of its rows, a larger one reads the rest; a statement or another
  // cursor between them waits for it first.
  std::vector<size_t> sizes{1000, 10, 990, 2000, 1};
  std::vector<size_t> got;
  for (auto n : sizes) {
    auto before = rows.size();
    CAF_CHECK(cur->fetch(n, rows));
    got.push_back(rows.size() - before);
    auto seven = conn->execute("SELECT 7::bigint").rows.at(0).at(0);
    CAF_CHECK_EQUAL(seven, value{std::int64_t{7}});
    auto other = conn->open_cursor(count_to_n, {3});
    row_block three;
    CAF_CHECK(!other->fetch(10, three));
    CAF_CHECK_EQUAL(three.size(), 3u);
  }
  CAF_CHECK_EQUAL(got, sizes);
  CAF_CHECK(!cur->fetch(5000, rows));
  CAF_REQUIRE_EQUAL(rows.size(), 5000u);
  for (size_t i = 0; i < rows.size(); ++i)
    if (rows[i][0] != value{static_cast<std::int64_t>(i + 1)})
      CAF_FAIL("row " << i << " is " << to_display(rows[i][0]));
  tx.commit(); // the cursor outlives it: it has nothing left to close then
}

CAF_TEST(an_error_read_ahead_reaches_the_cursor_and_fails_what_comes_between) {
  transaction tx{*conn, access_mode::read};
  auto cur = conn->open_cursor(
      "SELECT x, 1 / (x - 500) FROM generate_series(1, 1000) AS x");
  row_block rows;
  CAF_CHECK(cur->fetch(400, rows)); // rows 401 to 800 are on their way
  std::string code;
  failure_of([&] { conn->execute("SELECT 1"); }, &code);
  CAF_CHECK_EQUAL(code, "25P02"); // the transaction failed with them
  auto msg = failure_of([&] { cur->fetch(400, rows); }, &code);
  CAF_CHECK_EQUAL(code, "22012");
  CAF_CHECK_NOT_EQUAL(msg.find("division by zero"), std::string::npos);
  CAF_CHECK_EQUAL(rows.size(), 400u);
  CAF_CHECK(conn->usable());
}

CAF_TEST(a_cursor_closed_early_cancels_a_slow_read_ahead) {
  {
    transaction tx{*conn, access_mode::read};
    // The second row takes a minute: the FETCH read ahead for it is still
    // on its way when the cursor goes.
    auto cur = conn->open_cursor("SELECT x, CASE WHEN x > 1 THEN "
                                 "pg_sleep(60)::text END AS nap "
                                 "FROM generate_series(1, 3) AS x");
    row_block rows;
    CAF_CHECK(cur->fetch(1, rows));
    CAF_CHECK_EQUAL(rows.size(), 1u);
    auto t0 = std::chrono::steady_clock::now();
    cur.reset();
    auto waited =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    CAF_MESSAGE("the cursor went after " << waited << " s");
    CAF_CHECK_LESS(waited, 30.0);
  }
  // The connection serves on, and no cancel is left over for later.
  CAF_CHECK(conn->usable());
  auto eight =
      conn->execute("SELECT pg_sleep(0.5), 8::bigint").rows.at(0).at(1);
  CAF_CHECK_EQUAL(eight, value{std::int64_t{8}});
}

CAF_TEST(a_backend_killed_under_a_read_ahead_fails_the_next_fetch_cleanly) {
  auto pid = conn->execute("SELECT pg_backend_pid()").rows.at(0).at(0);
  transaction tx{*conn, access_mode::read};
  auto cur = conn->open_cursor("SELECT x, CASE WHEN x > 1 THEN "
                               "pg_sleep(60)::text END AS nap "
                               "FROM generate_series(1, 3) AS x");
  row_block rows;
  CAF_CHECK(cur->fetch(1, rows)); // the FETCH for row 2 is on its way
  auto admin =
      open_connection(engine_config::parse(pg_url()), access_mode::write);
  admin->execute("SELECT pg_terminate_backend(?)", {pid});
  std::string code;
  auto msg = failure_of([&] { cur->fetch(1, rows); }, &code);
  CAF_MESSAGE(msg << " (" << code << ")");
  CAF_CHECK(!msg.empty());
  CAF_CHECK_EQUAL(rows.size(), 1u);
  CAF_CHECK(!conn->usable());
  CAF_CHECK(!cur->fetch(1, rows)); // ended, and says so again
  cur.reset();                     // nothing left to touch
}

CAF_TEST(a_watchdog_cancels_a_runaway_statement_and_the_connection_serves_on) {
  statement_watchdog watchdog;
  auto t0 = std::chrono::steady_clock::now();
  std::string code;
  watchdog.arm(*conn, std::chrono::milliseconds(300));
  auto msg = failure_of([&] { conn->execute("SELECT pg_sleep(60)"); }, &code);
  CAF_CHECK(watchdog.disarm());
  auto waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  CAF_MESSAGE("cancelled after " << waited << " s: " << msg);
  CAF_CHECK_EQUAL(code, "57014"); // query_canceled
  CAF_CHECK_LESS(waited, 30.0);
  // The next statement runs, and a watch that ends in time cancels nothing,
  // not even what follows it.
  watchdog.arm(*conn, std::chrono::milliseconds(300));
  auto seven = conn->execute("SELECT 7::bigint").rows.at(0).at(0);
  CAF_CHECK_EQUAL(seven, value{std::int64_t{7}});
  CAF_CHECK(!watchdog.disarm());
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto eight =
      conn->execute("SELECT pg_sleep(0.5), 8::bigint").rows.at(0).at(1);
  CAF_CHECK_EQUAL(eight, value{std::int64_t{8}});
  // A cursor's fetch is cancelled the same way.
  transaction tx{*conn, access_mode::read};
  auto cur = conn->open_cursor("SELECT pg_sleep(60)");
  row_block rows;
  watchdog.arm(*conn, std::chrono::milliseconds(300));
  msg = failure_of([&] { cur->fetch(10, rows); }, &code);
  CAF_CHECK(watchdog.disarm());
  CAF_CHECK_EQUAL(code, "57014");
  CAF_CHECK(conn->usable());
}

CAF_TEST(connections_refused_for_good_are_not_retryable) {
  for (auto& refused : test::refused_connections()) {
    bool retryable = true;
    std::string what;
    try {
      open_connection(engine_config::parse(refused.url), access_mode::write);
    } catch (const storage_failure& f) {
      retryable = f.retryable();
      what = std::string{f.what()} + " (" + f.code() + ")";
    }
    CAF_MESSAGE(what);
    CAF_CHECK(!retryable);
    CAF_CHECK_NOT_EQUAL(what.find(refused.words), std::string::npos);
  }
  // A server that is not there (yet) may come: that stays retryable.
  try {
    open_connection(
        engine_config::parse("postgresql://sasync:sasync@127.0.0.1:1/x"),
        access_mode::write);
    CAF_FAIL("connected to port 1");
  } catch (const storage_failure& f) {
    CAF_CHECK(f.retryable());
  }
}

CAF_TEST_FIXTURE_SCOPE_END()
