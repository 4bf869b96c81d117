// The broker on the real PostgreSQL server (see broker_backend.ipp);
// SASYNC_PG_URL names the database.
#define CAF_SUITE actors.broker_postgresql

#include "sasync/actors/errc.hpp"

#include "backends.hpp"
#include "child_process.hpp"
#include "program_paths.hpp"

#include <chrono>
#include <string>

namespace {

/// Drops the suite's table before and after each test.
struct backend : sasync::test::postgresql_tables {
  backend() : postgresql_tables("orders") {}

  static constexpr const char* index_query =
      "SELECT indexname FROM pg_indexes WHERE tablename = 'orders' AND "
      "indexname <> 'orders_pkey' ORDER BY indexname";
  static constexpr const char* unreachable_url =
      "postgresql://sasync:sasync@127.0.0.1:1/sasync_test?pool_timeout=2";
  static constexpr const char* unreachable_part = "127.0.0.1:1";
  /// The server may come back: work waits for it up to pool_timeout.
  static constexpr sasync::errc unreachable_errc = sasync::errc::timeout;
  /// Reads that never end by themselves (within the test's bounds).
  static constexpr const char* runaway_read = "SELECT pg_sleep(60)";
  static constexpr const char* runaway_query = "SELECT pg_sleep(60)";
  /// Four connections, none beyond.
  static constexpr const char* runaway_options = "pool_size=4&max_overflow=0";
};

} // namespace

#include "broker_backend.ipp"

// PostgreSQL only: data exceptions (SQLSTATE class 22) are the database's
// refusal of a statement, as SQLite's errors are, not a malformed request.
CAF_TEST_FIXTURE_SCOPE(postgresql_only_tests, fixture)

CAF_TEST(data_exceptions_are_database_errors) {
  auto db = start();
  for (auto stmt : {"SELECT 1/0", "SELECT 2147483647::int + 1"}) {
    auto rs = sql(db, stmt);
    CAF_REQUIRE(!rs);
    CAF_MESSAGE(stmt << ": " << sys.render(rs.error()));
    CAF_CHECK(is(rs.error(), errc::database_error));
    CAF_CHECK_NOT_EQUAL(sys.render(rs.error()).find("(22"), std::string::npos);
  }
  CAF_CHECK(shutdown(db));
}

// A WITH whose part deletes writes, whatever its main statement: the
// broker's sql runs it as a write and it commits, and the CLI does not
// stream it through a cursor (PostgreSQL refuses a cursor over it: "DECLARE
// CURSOR must not contain data-modifying statements in WITH") but runs it as
// sql too.
CAF_TEST(a_with_query_whose_part_deletes_commits_the_delete) {
  auto db = start();
  for (int i = 0; i < 6; ++i)
    CAF_REQUIRE(sql(db, "INSERT INTO orders (customer, amount) VALUES (?, ?)",
                    {"c" + std::to_string(i), double(i)}));
  auto rs = sql(db, "WITH d AS (DELETE FROM orders WHERE amount < 2 "
                    "RETURNING *) SELECT count(*) FROM d");
  CAF_REQUIRE(rs);
  CAF_CHECK_EQUAL(rs->rows.at(0).at(0).as_integer(), 2);
  CAF_CHECK_EQUAL(count(db, "orders"), 4);
  auto cli = run_to_end({test::sasync_cli_path(), "--url", url, "sql",
                         "WITH d AS (DELETE FROM orders WHERE amount < 4 "
                         "RETURNING *) SELECT count(*) AS n FROM d"},
                        std::chrono::seconds(60));
  CAF_CHECK_EQUAL(cli.code, 0);
  CAF_CHECK_EQUAL(cli.output, "n\n2\n");
  if (cli.code != 0)
    CAF_MESSAGE("sasync: " << cli.errors);
  CAF_CHECK_EQUAL(count(db, "orders"), 2);
  CAF_CHECK(shutdown(db));
}

CAF_TEST_FIXTURE_SCOPE_END()
