// Table validation, DDL text for both dialects, identifier quoting and
// placeholder rewriting; the SQLite DDL also runs against a real database.
#define CAF_SUITE storage.dialect

#include "sasync/storage/dialect.hpp"
#include "sasync/storage/row_insert.hpp"

#include "sasync/storage/storage_failure.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <caf/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace sasync;

namespace {

constexpr auto sqlite = dialect_kind::sqlite;
constexpr auto postgresql = dialect_kind::postgresql;

column_def column(std::string name, column_type type, bool nullable = true) {
  column_def result;
  result.name = std::move(name);
  result.type = type;
  result.nullable = nullable;
  return result;
}

column_def key(std::string name, column_type type) {
  auto result = column(std::move(name), type, false);
  result.primary_key = true;
  return result;
}

column_def serial(std::string name) {
  auto result = key(std::move(name), column_type::integer);
  result.autoincrement = true;
  return result;
}

/// A keyed table with a nullable column, a NOT NULL one and two indexes.
table_def memberships() {
  table_def def;
  def.name = "memberships";
  def.columns = {key("group_id", column_type::integer),
                 key("user_name", column_type::text),
                 column("since", column_type::real, false),
                 column("note", column_type::text)};
  def.indexes = {{"by_since", {"since"}, false},
                 {"by_user", {"user_name", "group_id"}, true}};
  return def;
}

/// A table with an autoincrement key and every column type.
table_def users() {
  table_def def;
  def.name = "users";
  def.columns = {serial("id"), column("mail", column_type::text, false),
                 column("score", column_type::real),
                 column("avatar", column_type::blob),
                 column("active", column_type::boolean, false)};
  def.indexes = {{"by_mail", {"mail"}, true}};
  return def;
}

/// The message validate() throws for `def`, or a note that it did not.
std::string failure_of(const table_def& def) {
  try {
    validate(def);
  } catch (const storage_failure& ex) {
    if (ex.kind() != failure_kind::invalid_argument)
      return "wrong failure kind";
    return ex.what();
  }
  return "no failure";
}

std::string pg(std::string_view sql) {
  return native_placeholders(postgresql, sql);
}

std::vector<std::string> schema_of(SQLite::Database& db) {
  std::vector<std::string> result;
  SQLite::Statement query{db, "SELECT type || ' ' || name || ' ON ' || tbl_name"
                              " FROM sqlite_master ORDER BY name"};
  while (query.executeStep())
    result.push_back(query.getColumn(0).getString());
  return result;
}

/// True if the database refuses `sql`.
bool refuses(SQLite::Database& db, const char* sql) {
  try {
    db.exec(sql);
  } catch (const SQLite::Exception&) {
    return true;
  }
  return false;
}

int schema_version(SQLite::Database& db) {
  return db.execAndGet("PRAGMA schema_version").getInt();
}

} // namespace

// -- DDL ----------------------------------------------------------------------

CAF_TEST(sqlite_ddl_has_composite_key_not_null_and_prefixed_indexes) {
  std::vector<std::string> expected{
      R"(CREATE TABLE IF NOT EXISTS "memberships" ()"
      R"("group_id" INTEGER NOT NULL, "user_name" TEXT NOT NULL, )"
      R"("since" REAL NOT NULL, "note" TEXT, )"
      R"(PRIMARY KEY ("group_id", "user_name")))",
      R"(CREATE INDEX IF NOT EXISTS "memberships_by_since" ON "memberships" )"
      R"(("since"))",
      R"(CREATE UNIQUE INDEX IF NOT EXISTS "memberships_by_user" ON )"
      R"("memberships" ("user_name", "group_id"))"};
  CAF_CHECK_EQUAL(create_statements(sqlite, memberships()), expected);
}

CAF_TEST(postgresql_ddl_has_composite_key_not_null_and_prefixed_indexes) {
  std::vector<std::string> expected{
      R"(CREATE TABLE IF NOT EXISTS "memberships" ()"
      R"("group_id" BIGINT NOT NULL, "user_name" TEXT NOT NULL, )"
      R"("since" DOUBLE PRECISION NOT NULL, "note" TEXT, )"
      R"(PRIMARY KEY ("group_id", "user_name")))",
      R"(CREATE INDEX IF NOT EXISTS "memberships_by_since" ON "memberships" )"
      R"(("since"))",
      R"(CREATE UNIQUE INDEX IF NOT EXISTS "memberships_by_user" ON )"
      R"("memberships" ("user_name", "group_id"))"};
  CAF_CHECK_EQUAL(create_statements(postgresql, memberships()), expected);
}

CAF_TEST(sqlite_ddl_maps_every_type_and_autoincrement_key) {
  std::vector<std::string> expected{
      R"(CREATE TABLE IF NOT EXISTS "users" ()"
      R"("id" INTEGER PRIMARY KEY AUTOINCREMENT, "mail" TEXT NOT NULL, )"
      R"("score" REAL, "avatar" BLOB, "active" INTEGER NOT NULL))",
      R"(CREATE UNIQUE INDEX IF NOT EXISTS "users_by_mail" ON "users" ("mail"))"};
  CAF_CHECK_EQUAL(create_statements(sqlite, users()), expected);
}

CAF_TEST(postgresql_ddl_maps_every_type_and_identity_key) {
  std::vector<std::string> expected{
      R"(CREATE TABLE IF NOT EXISTS "users" ()"
      R"("id" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, )"
      R"("mail" TEXT NOT NULL, "score" DOUBLE PRECISION, "avatar" BYTEA, )"
      R"("active" BOOLEAN NOT NULL))",
      R"(CREATE UNIQUE INDEX IF NOT EXISTS "users_by_mail" ON "users" ("mail"))"};
  CAF_CHECK_EQUAL(create_statements(postgresql, users()), expected);
}

CAF_TEST(single_key_without_autoincrement_is_a_table_constraint) {
  table_def def;
  def.name = "settings";
  def.columns = {key("name", column_type::text),
                 column("value", column_type::text)};
  std::vector<std::string> expected{
      R"(CREATE TABLE IF NOT EXISTS "settings" ("name" TEXT NOT NULL, )"
      R"("value" TEXT, PRIMARY KEY ("name")))"};
  CAF_CHECK_EQUAL(create_statements(sqlite, def), expected);
}

CAF_TEST(primary_key_column_is_not_null_even_if_declared_nullable) {
  table_def def;
  def.name = "t";
  auto id = key("id", column_type::integer);
  id.nullable = true;
  def.columns = {id};
  std::vector<std::string> expected{
      R"(CREATE TABLE IF NOT EXISTS "t" ("id" BIGINT NOT NULL, )"
      R"(PRIMARY KEY ("id")))"};
  CAF_CHECK_EQUAL(create_statements(postgresql, def), expected);
}

CAF_TEST(table_without_key_or_indexes_is_one_statement) {
  table_def def;
  def.name = "log";
  def.columns = {column("line", column_type::text)};
  std::vector<std::string> expected{
      R"(CREATE TABLE IF NOT EXISTS "log" ("line" TEXT))"};
  CAF_CHECK_EQUAL(create_statements(sqlite, def), expected);
}

CAF_TEST(create_statements_validates_first) {
  auto def = users();
  def.indexes[0].columns = {"mial"};
  std::string message = "no failure";
  try {
    create_statements(postgresql, def);
  } catch (const storage_failure& ex) {
    message = ex.what();
  }
  CAF_CHECK_EQUAL(message,
                  "table 'users': index 'by_mail' names unknown column 'mial'");
}

// -- validation ---------------------------------------------------------------

CAF_TEST(valid_tables_pass_validation) {
  CAF_CHECK_EQUAL(failure_of(memberships()), "no failure");
  CAF_CHECK_EQUAL(failure_of(users()), "no failure");
  auto longest = users();
  longest.name = std::string(61, 'a');
  longest.indexes[0].name = "b"; // "<61 a>_b" is exactly 63 bytes
  CAF_CHECK_EQUAL(failure_of(longest), "no failure");
}

CAF_TEST(table_name_must_be_portable) {
  auto def = users();
  def.name = "";
  CAF_CHECK_EQUAL(failure_of(def), "table name '' is empty");
  def.name = "user-list";
  CAF_CHECK_EQUAL(failure_of(def), "table name 'user-list' may only contain "
                                   "letters, digits and '_'");
  def.name = "1users";
  CAF_CHECK_EQUAL(failure_of(def),
                  "table name '1users' must start with a letter or '_'");
  def.name = std::string(64, 'u');
  CAF_CHECK_EQUAL(failure_of(def),
                  "table name '" + def.name + "' is longer than 63 bytes");
  def.name = "SQLite_users";
  CAF_CHECK_EQUAL(failure_of(def), "table name 'SQLite_users' starts with "
                                   "'sqlite_', which SQLite reserves");
}

CAF_TEST(table_needs_a_column) {
  table_def def;
  def.name = "empty";
  CAF_CHECK_EQUAL(failure_of(def), "table 'empty': has no columns");
}

CAF_TEST(column_names_must_be_portable) {
  auto def = users();
  def.columns[1].name = "";
  CAF_CHECK_EQUAL(failure_of(def), "table 'users': column name '' is empty");
  def.columns[1].name = "e\"mail";
  CAF_CHECK_EQUAL(failure_of(def), "table 'users': column name 'e\"mail' may "
                                   "only contain letters, digits and '_'");
  def.columns[1].name = "9mail";
  CAF_CHECK_EQUAL(failure_of(def), "table 'users': column name '9mail' must "
                                   "start with a letter or '_'");
  def.columns[1].name = std::string(64, 'm');
  CAF_CHECK_EQUAL(failure_of(def), "table 'users': column name '" +
                                       def.columns[1].name +
                                       "' is longer than 63 bytes");
  def.columns[1].name = "XMin";
  CAF_CHECK_EQUAL(failure_of(def), "table 'users': column name 'XMin' is "
                                   "reserved by PostgreSQL for a system "
                                   "column");
}

CAF_TEST(column_names_must_differ_ignoring_case) {
  auto def = users();
  def.columns[2].name = "Mail";
  CAF_CHECK_EQUAL(failure_of(def), "table 'users': duplicate column 'Mail' "
                                   "(same as 'mail' ignoring case)");
}

CAF_TEST(column_type_must_be_known) {
  auto def = users();
  def.columns[2].type = static_cast<column_type>(42);
  CAF_CHECK_EQUAL(failure_of(def),
                  "table 'users': column 'score' has an unknown type");
}

CAF_TEST(autoincrement_needs_a_primary_key_column) {
  auto def = users();
  def.columns[0].primary_key = false;
  CAF_CHECK_EQUAL(failure_of(def), "table 'users': autoincrement column 'id' "
                                   "is not a primary-key column");
}

CAF_TEST(autoincrement_needs_an_integer_column) {
  auto def = users();
  def.columns[0].type = column_type::text;
  CAF_CHECK_EQUAL(failure_of(def), "table 'users': autoincrement column 'id' "
                                   "is not an integer");
}

CAF_TEST(autoincrement_needs_the_only_primary_key_column) {
  auto def = users();
  def.columns[1].primary_key = true;
  CAF_CHECK_EQUAL(failure_of(def), "table 'users': autoincrement column 'id' "
                                   "is not the only primary-key column");
}

CAF_TEST(index_names_must_be_portable) {
  auto def = users();
  def.indexes[0].name = "";
  CAF_CHECK_EQUAL(failure_of(def), "table 'users': index name '' is empty");
  def.indexes[0].name = "by mail";
  CAF_CHECK_EQUAL(failure_of(def), "table 'users': index name 'by mail' may "
                                   "only contain letters, digits and '_'");
  def.indexes[0].name = "_by_mail";
  CAF_CHECK_EQUAL(failure_of(def), "no failure");
}

CAF_TEST(prefixed_index_name_must_fit_and_not_be_reserved) {
  auto def = users();
  def.name = std::string(60, 'u');
  def.indexes[0].name = "abc"; // 60 + 1 + 3 = 64 bytes
  CAF_CHECK_EQUAL(failure_of(def),
                  "table '" + def.name + "': index 'abc' gets the name '" +
                      def.name + "_abc', which is longer than 63 bytes");
  def.name = "sqlite";
  CAF_CHECK_EQUAL(failure_of(def), "table 'sqlite': index 'abc' gets the name "
                                   "'sqlite_abc', which starts with 'sqlite_', "
                                   "which SQLite reserves");
}

CAF_TEST(index_names_must_differ_ignoring_case) {
  auto def = users();
  def.indexes.push_back({"BY_MAIL", {"score"}, false});
  CAF_CHECK_EQUAL(failure_of(def), "table 'users': duplicate index 'BY_MAIL'");
}

CAF_TEST(index_needs_a_column) {
  auto def = users();
  def.indexes[0].columns.clear();
  CAF_CHECK_EQUAL(failure_of(def),
                  "table 'users': index 'by_mail' has no columns");
}

CAF_TEST(index_columns_must_exist_with_exact_name) {
  auto def = users();
  def.indexes[0].columns = {"mial"};
  CAF_CHECK_EQUAL(failure_of(def), "table 'users': index 'by_mail' names "
                                   "unknown column 'mial'");
  // PostgreSQL would not find "MAIL" for the quoted column "mail".
  def.indexes[0].columns = {"MAIL"};
  CAF_CHECK_EQUAL(failure_of(def), "table 'users': index 'by_mail' names "
                                   "unknown column 'MAIL'");
}

CAF_TEST(index_must_not_repeat_a_column) {
  auto def = users();
  def.indexes[0].columns = {"mail", "score", "mail"};
  CAF_CHECK_EQUAL(failure_of(def), "table 'users': index 'by_mail' names "
                                   "column 'mail' twice");
}

// -- quoting ------------------------------------------------------------------

CAF_TEST(quote_identifier_wraps_in_double_quotes_and_doubles_inner_ones) {
  CAF_CHECK_EQUAL(quote_identifier("users"), R"("users")");
  CAF_CHECK_EQUAL(quote_identifier(R"(say "hi")"), R"("say ""hi""")");
  CAF_CHECK_EQUAL(quote_identifier(R"(")"), R"("""")");
  CAF_CHECK_EQUAL(quote_identifier(""), R"("")");
}

// -- placeholders -------------------------------------------------------------

CAF_TEST(sqlite_keeps_question_marks) {
  std::string sql = "SELECT * FROM t WHERE a = ? AND b = '?'";
  CAF_CHECK_EQUAL(native_placeholders(sqlite, sql), sql);
}

CAF_TEST(postgresql_numbers_placeholders_in_order) {
  CAF_CHECK_EQUAL(pg("INSERT INTO t VALUES (?, ?,?)"),
                  "INSERT INTO t VALUES ($1, $2,$3)");
  CAF_CHECK_EQUAL(pg("SELECT 1"), "SELECT 1");
  CAF_CHECK_EQUAL(pg("?"), "$1");
  CAF_CHECK_EQUAL(pg(""), "");
}

CAF_TEST(postgresql_skips_single_quoted_strings) {
  CAF_CHECK_EQUAL(pg("SELECT '?', ?"), "SELECT '?', $1");
  CAF_CHECK_EQUAL(pg("SELECT 'it''s ?', ?"), "SELECT 'it''s ?', $1");
  CAF_CHECK_EQUAL(pg("SELECT '', ?"), "SELECT '', $1");
  // Backslash escapes a quote only in escape strings.
  CAF_CHECK_EQUAL(pg(R"(SELECT E'\'?', ?)"), R"(SELECT E'\'?', $1)");
  CAF_CHECK_EQUAL(pg(R"(SELECT e'\\', ?)"), R"(SELECT e'\\', $1)");
  CAF_CHECK_EQUAL(pg(R"(SELECT '\', ?)"), R"(SELECT '\', $1)");
  CAF_CHECK_EQUAL(pg(R"(SELECT name'\', ?)"), R"(SELECT name'\', $1)");
}

CAF_TEST(postgresql_skips_quoted_identifiers) {
  CAF_CHECK_EQUAL(pg(R"(SELECT "a?" FROM t WHERE "b""?" = ?)"),
                  R"(SELECT "a?" FROM t WHERE "b""?" = $1)");
}

CAF_TEST(postgresql_skips_comments) {
  CAF_CHECK_EQUAL(pg("SELECT ? -- why?\n, ?"), "SELECT $1 -- why?\n, $2");
  CAF_CHECK_EQUAL(pg("SELECT ? -- why?"), "SELECT $1 -- why?");
  CAF_CHECK_EQUAL(pg("SELECT ? /* why? */, ?"), "SELECT $1 /* why? */, $2");
  CAF_CHECK_EQUAL(pg("SELECT /* a /* b? */ c? */ ?"),
                  "SELECT /* a /* b? */ c? */ $1");
  CAF_CHECK_EQUAL(pg("SELECT 5 - ?"), "SELECT 5 - $1");
  CAF_CHECK_EQUAL(pg("SELECT 6 / ?"), "SELECT 6 / $1");
}

CAF_TEST(postgresql_skips_dollar_quoted_strings) {
  CAF_CHECK_EQUAL(pg("SELECT $$?$$, ?"), "SELECT $$?$$, $1");
  CAF_CHECK_EQUAL(pg("SELECT $fn$ ? $$ ? $x$ ? $fn$, ?"),
                  "SELECT $fn$ ? $$ ? $x$ ? $fn$, $1");
  CAF_CHECK_EQUAL(pg("SELECT $_a1$'?'$_a1$, ?"), "SELECT $_a1$'?'$_a1$, $1");
}

CAF_TEST(postgresql_dollar_without_quote_leaves_placeholders_alone) {
  // `$1` is a parameter, not a tag; a '$' inside a word continues the word.
  CAF_CHECK_EQUAL(pg("SELECT $1, ?"), "SELECT $1, $1");
  CAF_CHECK_EQUAL(pg("SELECT a$b$, ?, c$$"), "SELECT a$b$, $1, c$$");
  CAF_CHECK_EQUAL(pg("SELECT $ ?"), "SELECT $ $1");
}

CAF_TEST(postgresql_unterminated_quotes_and_comments_run_to_the_end) {
  CAF_CHECK_EQUAL(pg("SELECT ?, 'open ?"), "SELECT $1, 'open ?");
  CAF_CHECK_EQUAL(pg("SELECT ?, \"open ?"), "SELECT $1, \"open ?");
  CAF_CHECK_EQUAL(pg("SELECT ?, /* open ?"), "SELECT $1, /* open ?");
  CAF_CHECK_EQUAL(pg("SELECT ?, $t$ open ?"), "SELECT $1, $t$ open ?");
}

// -- SQLite -------------------------------------------------------------------

CAF_TEST(sqlite_statements_create_tables_and_indexes_idempotently) {
  SQLite::Database db{":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
  for (auto& def : {memberships(), users()})
    for (auto& stmt : create_statements(sqlite, def))
      db.exec(stmt);
  std::vector<std::string> expected{
      "table memberships ON memberships",
      "index memberships_by_since ON memberships",
      "index memberships_by_user ON memberships",
      "index sqlite_autoindex_memberships_1 ON memberships",
      "table sqlite_sequence ON sqlite_sequence",
      "table users ON users",
      "index users_by_mail ON users"};
  CAF_CHECK_EQUAL(schema_of(db), expected);
  db.exec("INSERT INTO users (mail, active) VALUES ('a@example.org', 1)");
  auto version = schema_version(db);
  for (auto& def : {memberships(), users()})
    for (auto& stmt : create_statements(sqlite, def))
      db.exec(stmt);
  CAF_CHECK_EQUAL(schema_of(db), expected);
  CAF_CHECK_EQUAL(schema_version(db), version);
  CAF_CHECK_EQUAL(db.execAndGet("SELECT count(*) FROM users").getInt(), 1);
}

CAF_TEST(sqlite_enforces_keys_and_unique_indexes) {
  SQLite::Database db{":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
  for (auto& def : {memberships(), users()})
    for (auto& stmt : create_statements(sqlite, def))
      db.exec(stmt);
  // Without the explicit NOT NULL, SQLite would store a NULL key part.
  CAF_CHECK(refuses(db, "INSERT INTO memberships VALUES (1, NULL, 0.0, NULL)"));
  db.exec("INSERT INTO users (mail, active) VALUES ('a@example.org', 1)");
  db.exec("INSERT INTO users (mail, active) VALUES ('b@example.org', 0)");
  CAF_CHECK_EQUAL(db.execAndGet("SELECT max(id) FROM users").getInt(), 2);
  CAF_CHECK(refuses(
      db, "INSERT INTO users (mail, active) VALUES ('a@example.org', 0)"));
}

namespace {

std::string insert_problem(const insert_spec& spec) {
  try {
    validate(spec);
  } catch (const storage_failure& f) {
    return f.what();
  }
  return {};
}

} // namespace

CAF_TEST(bulk_insert_statements_quote_names_and_bind_every_value) {
  insert_spec spec{"items", {"name", "size"}, "id", 10};
  CAF_CHECK_EQUAL(insert_problem(spec), "");
  CAF_CHECK_EQUAL(insert_statement(spec),
                  R"(INSERT INTO "items" ("name", "size") VALUES (?, ?) )"
                  R"(RETURNING "id")");
  spec.key.clear();
  CAF_CHECK_EQUAL(insert_statement(spec),
                  R"(INSERT INTO "items" ("name", "size") VALUES (?, ?))");
}

CAF_TEST(bulk_insert_specs_name_their_first_problem) {
  auto problem = [](insert_spec spec) { return insert_problem(spec); };
  CAF_CHECK_NOT_EQUAL(problem({"t; DROP TABLE x", {"a"}, "", 10})
                          .find("table name 't; DROP TABLE x'"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(problem({"t", {}, "", 10}).find("names no columns"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(problem({"t", {"a", "a"}, "", 10}).find("twice"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(problem({"t", {"a"}, "k\"", 10}).find("key column"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(problem({"t", {"a"}, "", 0}).find("outside 1..100000"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(
      problem({"t", {"a"}, "", max_insert_batch + 1}).find("outside"),
      std::string::npos);
  insert_spec spec{"t", {"a", "b"}, "", 10};
  try {
    check_widths(spec, {{1, 2}, {3}});
    CAF_FAIL("a short row passed");
  } catch (const storage_failure& f) {
    CAF_CHECK_EQUAL(std::string{f.what()},
                    "row 1 has 1 values; the insert into 't' names 2 columns");
  }
}
