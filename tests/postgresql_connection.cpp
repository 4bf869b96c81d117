// The PostgreSQL backend against the real server (SASYNC_PG_URL): values,
// transactions, savepoints, the statement cache and error reporting.
#define CAF_SUITE storage.postgresql_connection

#include "storage/connection.hpp"

#include "echo_capture.hpp"

#include "storage/storage_failure.hpp"
#include "storage/transaction.hpp"

#include "backends.hpp"

#include <caf/test/unit_test.hpp>

#include <cstdlib>
#include <functional>

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

CAF_TEST(rows_affected_counts_changes) {
  for (int k = 0; k < 3; ++k)
    conn->execute("INSERT INTO " + table + " (k) VALUES (?)", {k});
  auto rs = conn->execute("UPDATE " + table + " SET i = 1 WHERE k < ?", {2});
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

CAF_TEST_FIXTURE_SCOPE_END()
