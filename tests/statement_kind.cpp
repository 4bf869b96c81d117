// Statements classified by their leading keywords, as sasync's sql and a
// node's peers see them, including attempts to hide a keyword.
#define CAF_SUITE storage.statement_kind

#include "sasync/storage/statement_kind.hpp"

#include "sasync/storage/engine_config.hpp"

#include <caf/test/unit_test.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace sasync;

namespace {

statement_kind kind_of(const std::string& sql) {
  return classify_statement(sql).kind;
}

void check_all(const std::vector<std::string>& statements,
               statement_kind expected) {
  for (auto& sql : statements) {
    auto got = classify_statement(sql);
    if (got.kind != expected)
      CAF_ERROR("'" << sql << "' classified as kind "
                    << static_cast<int>(got.kind) << " (" << got.keyword
                    << "), not " << static_cast<int>(expected));
    else
      CAF_CHECK(got.kind == expected);
  }
}

} // namespace

CAF_TEST(queries_and_data_changes_are_data) {
  check_all({"SELECT 1", "select * from t", "VALUES (1), (2)", "TABLE t",
             "INSERT INTO t VALUES (1)", "UPDATE t SET x = 1",
             "DELETE FROM t", "REPLACE INTO t VALUES (1)",
             "WITH n(x) AS (SELECT 1) INSERT INTO t SELECT x FROM n",
             "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n "
             "WHERE x < 5) SELECT x FROM n",
             "  \n\t(SELECT 1)", "EXPLAIN SELECT 1",
             "EXPLAIN QUERY PLAN SELECT 1", "EXPLAIN ANALYZE SELECT 1",
             "EXPLAIN (ANALYZE, BUFFERS) SELECT 1", "ANALYZE", "SHOW search_path",
             "SELECT 'COMMIT'", "SELECT \"commit\" FROM t",
             "SELECT pg_advisory_xact_lock(1)", "SELECT 1 -- ; COMMIT",
             "UPDATE t SET into_x = 1", "SELEC 1", ""},
            statement_kind::data);
}

CAF_TEST(transaction_control_is_refused_however_it_is_written) {
  check_all({"COMMIT", "commit", "CoMmIt", "END", "END TRANSACTION",
             "ROLLBACK", "ROLLBACK TO SAVEPOINT x", "ABORT", "BEGIN",
             "BEGIN IMMEDIATE", "START TRANSACTION", "SAVEPOINT x",
             "RELEASE x", "RELEASE SAVEPOINT x", "PREPARE TRANSACTION 'x'",
             "COMMIT PREPARED 'x'", "/* c */ COMMIT", "-- c\nCOMMIT",
             "/* a /* nested */ comment */ COMMIT", ";COMMIT", " ; ; commit",
             "(COMMIT", "EXPLAIN COMMIT"},
            statement_kind::session);
}

CAF_TEST(connection_state_and_files_are_refused) {
  check_all({"PRAGMA query_only=1", "pragma query_only(1)",
             "PRAGMA journal_mode", "ATTACH DATABASE '/x.db' AS x",
             "attach '/x.db' as x", "DETACH x", "VACUUM",
             "VACUUM INTO '/tmp/y.db'", "SET search_path = x",
             "SET SESSION search_path = x", "SET LOCAL x = 1",
             "SET SESSION AUTHORIZATION x", "SET ROLE x", "RESET ALL",
             "DISCARD ALL", "DEALLOCATE ALL", "LISTEN x", "UNLISTEN *",
             "LOCK TABLE t", "LOAD 'x'", "COPY t TO '/tmp/x'",
             "COPY t FROM STDIN", "DO $$ BEGIN END $$",
             "DECLARE c CURSOR WITH HOLD FOR SELECT 1", "FETCH ALL c",
             "MOVE c", "CLOSE c", "EXECUTE s", "PREPARE s AS SELECT 1"},
            statement_kind::session);
}

CAF_TEST(functions_that_change_a_connection_are_refused_anywhere) {
  check_all({"SELECT set_config('search_path', 'x', false)",
             "SELECT pg_catalog.set_config('a', 'b', false)",
             "SELECT \"set_config\"('a', 'b', false)",
             "SELECT SET_CONFIG('a', 'b', false)",
             "SELECT pg_advisory_lock(1)", "SELECT pg_advisory_unlock_all()",
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity",
             "WITH x AS (SELECT set_config('a', 'b', false)) SELECT 1",
             "INSERT INTO t SELECT set_config('a', 'b', false)",
             "SELECT load_extension('x')", "SELECT lo_import('/etc/passwd')"},
            statement_kind::session);
}

CAF_TEST(ddl_is_schema) {
  check_all({"CREATE TABLE t (x INTEGER)", "create index i on t (x)",
             "DROP TABLE sasync_items", "/* x */ drop table sasync_items",
             "ALTER TABLE t ADD COLUMN y INTEGER", "TRUNCATE t",
             "COMMENT ON TABLE t IS 'x'", "GRANT SELECT ON t TO x",
             "REVOKE ALL ON t FROM x", "REINDEX t", "CLUSTER t",
             "REFRESH MATERIALIZED VIEW v", "SELECT * INTO t2 FROM t",
             "WITH x AS (SELECT 1) SELECT * INTO t2 FROM x",
             "EXPLAIN ANALYZE CREATE TABLE t2 AS SELECT 1",
             "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END"},
            statement_kind::schema);
}

CAF_TEST(comments_read_by_either_backends_rules_hide_nothing) {
  // SQLite ends a block comment at the first */; PostgreSQL nests them.
  // Either reading finds the COMMIT, and the stricter answer wins.
  CAF_CHECK(kind_of("/* /* */ COMMIT -- */") == statement_kind::session);
  CAF_CHECK(kind_of("/* /* */ */ COMMIT") == statement_kind::session);
  CAF_CHECK(kind_of("/* /* */ DROP TABLE t -- */ SELECT 1") ==
            statement_kind::schema);
  // A keyword inside a string or an unclosed comment is no keyword.
  CAF_CHECK(kind_of("SELECT '/*' AS a, 1") == statement_kind::data);
  CAF_CHECK(kind_of("/* COMMIT") == statement_kind::data);
}

CAF_TEST(refusals_name_the_keyword_and_why) {
  auto commit = classify_statement("  commit");
  CAF_CHECK_EQUAL(commit.keyword, "COMMIT");
  CAF_CHECK_NOT_EQUAL(commit.why.find("transaction"), std::string::npos);
  auto attach = classify_statement("ATTACH 'x' AS y");
  CAF_CHECK_EQUAL(attach.keyword, "ATTACH");
  CAF_CHECK_NOT_EQUAL(attach.why.find("files"), std::string::npos);
  auto fn = classify_statement("SELECT Set_Config('a', 'b', false)");
  CAF_CHECK_EQUAL(fn.keyword, "set_config");
  CAF_CHECK_EQUAL(classify_statement("drop table x").keyword, "DROP");
  CAF_CHECK_EQUAL(classify_statement("SELECT 1 INTO t").keyword,
                  "SELECT INTO");
}

// What a closure, which runs inside sasync's transaction, may not run: every
// statement of a script counts, and nothing else is refused for it.
CAF_TEST(transaction_control_is_found_in_any_statement_of_a_script) {
  std::vector<std::pair<std::string, std::string>> found{
      {"COMMIT", "COMMIT"},
      {"  \n\tcommit ;", "COMMIT"},
      {"/* c */ END TRANSACTION", "END"},
      {"-- c\nRollback", "ROLLBACK"},
      {"ROLLBACK TO SAVEPOINT sasync_job", "ROLLBACK"},
      {"ABORT", "ABORT"},
      {"BEGIN IMMEDIATE", "BEGIN"},
      {"START TRANSACTION", "START"},
      {"SAVEPOINT x", "SAVEPOINT"},
      {"RELEASE x", "RELEASE"},
      {"PREPARE TRANSACTION 'x'", "PREPARE TRANSACTION"},
      {"prepare  /* c */ transaction 'x'", "PREPARE TRANSACTION"},
      {"COMMIT PREPARED 'x'", "COMMIT"},
      {"ROLLBACK PREPARED 'x'", "ROLLBACK"},
      {"(COMMIT)", "COMMIT"},
      {"EXPLAIN COMMIT", "COMMIT"},
      {"SELECT 1; COMMIT", "COMMIT"},
      {"INSERT INTO t VALUES (';'); end", "END"},
      {"SELECT 1;;\n  -- c\n  savepoint s; SELECT 2", "SAVEPOINT"},
      {"CREATE TABLE t (begin INTEGER); COMMIT", "COMMIT"},
      {"CREATE INDEX begin ON t (x); END", "END"},
      {"CREATE TRIGGER tr AFTER INSERT ON t BEGIN "
       "UPDATE u SET n = CASE WHEN n > 0 THEN n ELSE 0 END; END; COMMIT",
       "COMMIT"},
      // No trigger body starts with COMMIT: the END after it ends a statement.
      {"CREATE TRIGGER tr AFTER INSERT ON t BEGIN COMMIT; END", "END"},
      {"SELECT $$;$$; COMMIT", "COMMIT"}};
  for (auto dialect : {dialect_kind::sqlite, dialect_kind::postgresql})
    for (auto& [sql, keyword] : found)
      CAF_CHECK_EQUAL(transaction_control_keyword(sql, dialect), keyword);
  std::vector<std::string> clean{
      "",
      "SELECT 1",
      "SELECT 'COMMIT'",
      "SELECT \"commit\" FROM t",
      "SELECT 1 -- ; COMMIT",
      "SELECT 1 /* ; COMMIT */",
      "INSERT INTO t (x) VALUES ('; ROLLBACK')",
      "PRAGMA max_page_count = 9",
      "PREPARE q AS SELECT 1",
      "CREATE TABLE t (begin INTEGER, x TEXT)",
      "UPDATE t SET x = CASE WHEN x IS NULL THEN 'a' ELSE x END",
      "CREATE TRIGGER tr AFTER INSERT ON t BEGIN "
      "UPDATE u SET n = CASE WHEN n > 0 THEN n ELSE 0 END; "
      "INSERT INTO v VALUES (1); END;",
      "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; "
      "END",
      "CREATE TABLE a (x INTEGER); CREATE TABLE b (y INTEGER);"};
  for (auto dialect : {dialect_kind::sqlite, dialect_kind::postgresql})
    for (auto& sql : clean)
      CAF_CHECK_EQUAL(transaction_control_keyword(sql, dialect), "");
  // Each backend's own quoting and comments.
  auto function = "CREATE FUNCTION f() RETURNS void AS $$ BEGIN COMMIT; END "
                  "$$ LANGUAGE plpgsql";
  CAF_CHECK_EQUAL(
      transaction_control_keyword(function, dialect_kind::postgresql), "");
  CAF_CHECK_EQUAL(
      transaction_control_keyword("/* a /* nested */ comment */ COMMIT",
                                  dialect_kind::postgresql),
      "COMMIT");
  auto hidden = "/* a /* nested */ end */ SELECT 1";
  CAF_CHECK_EQUAL(transaction_control_keyword(hidden, dialect_kind::sqlite),
                  "END");
  CAF_CHECK_EQUAL(transaction_control_keyword(hidden, dialect_kind::postgresql),
                  "");
}

// Which statements only read: the broker sends them to read connections and
// the CLI streams them through a cursor, so a statement that writes must
// never pass (its writes would fail, or roll back with the cursor).
CAF_TEST(only_queries_that_write_nothing_only_read) {
  std::vector<std::string> reads{
      "SELECT 1", "  select * from t", "VALUES (1), (2)", "(SELECT 1)",
      "/* c */ SELECT 1", "SELECT 1;", "SELECT 1; -- done\n",
      "WITH x AS (SELECT 1) SELECT * FROM x",
      "with x as (select 1) select * from x",
      "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n "
      "WHERE x < 5) SELECT x FROM n",
      "WITH x AS MATERIALIZED (SELECT 1) SELECT * FROM x",
      "WITH a AS (SELECT 1), b AS (SELECT 2) VALUES (1)",
      "WITH x AS (SELECT 'DELETE' AS \"update\") SELECT * FROM x",
      "WITH x AS (SELECT is_deleted, replace(a, 'b', 'c') FROM t) "
      "SELECT * FROM x",
      "SELECT (SELECT max(x) FROM t) AS m", "SELECT 'INSERT INTO t'",
      "SELECT x FROM t WHERE y IN (SELECT y FROM u)"};
  for (auto& sql : reads)
    if (!only_reads(sql))
      CAF_ERROR("'" << sql << "' taken for a write");
  std::vector<std::string> writes{
      "", "  ", "-- only a comment", "INSERT INTO t VALUES (1)",
      "UPDATE t SET x = 1", "DELETE FROM t", "REPLACE INTO t VALUES (1)",
      "MERGE INTO t USING u ON t.x = u.x WHEN MATCHED THEN DELETE",
      "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
      "WITH x AS (SELECT 1) REPLACE INTO t SELECT * FROM x",
      "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
      "with d as (delete from t returning *) select count(*) from d",
      "WITH d AS MATERIALIZED (DELETE FROM t RETURNING *) SELECT * FROM d",
      "WITH a AS (SELECT 1), u AS (UPDATE t SET x = 1 RETURNING x) "
      "SELECT * FROM u",
      "WITH i AS (INSERT INTO t VALUES (1) RETURNING *) VALUES (1)",
      "WITH RECURSIVE n(x) AS (SELECT 1), d AS (DELETE FROM t) SELECT 1",
      "SELECT * INTO t2 FROM t", "WITH x AS (SELECT 1) SELECT * INTO t2 FROM x",
      "SELECT 1; DELETE FROM t", "EXPLAIN SELECT 1",
      "EXPLAIN ANALYZE DELETE FROM t", "TABLE t", "SHOW search_path",
      "CREATE TABLE t (x INTEGER)", "COMMIT", "PRAGMA query_only",
      "WITH x AS (SELECT 1)"};
  for (auto& sql : writes)
    if (only_reads(sql))
      CAF_ERROR("'" << sql << "' taken for a read");
  // A comment read by one backend's rules only hides nothing.
  CAF_CHECK(!only_reads("/* /* */ DELETE FROM t -- */ SELECT 1"));
  CAF_CHECK(!only_reads("SELECT 1 /* /* */; DELETE FROM t -- */"));
}
