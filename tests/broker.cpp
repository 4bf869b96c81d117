// The broker's lifecycle, deterministic: the test coordinator runs every
// actor, including connection actors on a real in-memory SQLite database.
#define CAF_SUITE actors.broker

#include "sasync/actors/broker.hpp"

#include "sasync/actors/errc.hpp"
#include "sasync/actors/system_config.hpp"

#include "ask.hpp"

#include <caf/test/dsl.hpp>

#include <filesystem>
#include <optional>

using namespace sasync;

namespace {

table_def notes_table() {
  return {"notes",
          {{"id", column_type::integer, false, true, true},
           {"body", column_type::text, false}},
          {{"by_body", {"body"}, true}}};
}

struct fixture : test_coordinator_fixture<system_config> {
  ~fixture() {
    run(); // late answers still find `rs` and `err`
  }

  broker_config memory_config() {
    broker_config cfg;
    cfg.engine = engine_config::parse("sqlite:///:memory:");
    cfg.tables = {notes_table()};
    cfg.detached = false; // the test coordinator runs the connections
    return cfg;
  }

  /// Sends a statement; the answer lands in `rs` or `err` after run().
  void sql(const broker& db, std::string stmt, std::vector<value> params = {}) {
    rs.reset();
    err.reset();
    test::ask(
        sys, db, [this](result_set& x) { rs = std::move(x); },
        [this](caf::error& x) { err = std::move(x); }, sql_atom::value,
        std::move(stmt), std::move(params));
  }

  std::string state_of(const broker& db) {
    std::string out;
    test::ask(
        sys, db, [&](broker_status& st) { out = st.state; },
        [&](caf::error& e) { out = "error: " + sys.render(e); },
        status_atom::value);
    run();
    return out;
  }

  std::optional<result_set> rs;
  std::optional<caf::error> err;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(broker_tests, fixture)

CAF_TEST(requests_while_starting_wait_for_the_first_transaction) {
  auto cfg = memory_config();
  cfg.first = [](connection& c) {
    c.execute("INSERT INTO notes (body) VALUES (?)", {"from first"});
  };
  auto db = spawn_broker(sys, cfg);
  sql(db, "SELECT body FROM notes");
  CAF_CHECK(!rs && !err);
  run();
  CAF_REQUIRE(rs);
  CAF_REQUIRE_EQUAL(rs->rows.size(), 1u);
  CAF_CHECK_EQUAL(rs->rows[0][0].as_text(), "from first");
  CAF_CHECK_EQUAL(state_of(db), "running");
}

CAF_TEST(startup_hook_runs_after_the_tables_exist) {
  auto cfg = memory_config();
  cfg.startup = [](connection& c) {
    c.execute("INSERT INTO notes (body) VALUES ('startup')");
  };
  cfg.first = [](connection& c) {
    c.execute("INSERT INTO notes (body) VALUES ('first')");
  };
  auto db = spawn_broker(sys, cfg);
  sql(db, "SELECT body FROM notes ORDER BY id");
  run();
  CAF_REQUIRE(rs);
  CAF_REQUIRE_EQUAL(rs->rows.size(), 2u);
  CAF_CHECK_EQUAL(rs->rows[0][0].as_text(), "startup");
  CAF_CHECK_EQUAL(rs->rows[1][0].as_text(), "first");
}

CAF_TEST(failed_startup_answers_waiting_requests_and_retries_later) {
  auto dir = std::filesystem::temp_directory_path() / "sasync-broker-retry";
  std::filesystem::remove_all(dir);
  auto cfg = memory_config();
  cfg.engine =
      engine_config::parse("sqlite:///" + (dir / "db.sqlite").string());
  auto db = spawn_broker(sys, cfg);
  sql(db, "SELECT 1");
  run();
  CAF_REQUIRE(err);
  CAF_CHECK(is(*err, errc::database_error));
  CAF_CHECK_NOT_EQUAL(sys.render(*err).find("db.sqlite"), std::string::npos);
  CAF_CHECK_EQUAL(state_of(db), "idle");
  std::filesystem::create_directories(dir);
  sql(db, "SELECT 1");
  run();
  CAF_REQUIRE(rs);
  CAF_CHECK_EQUAL(rs->rows.at(0).at(0).as_integer(), 1);
  std::filesystem::remove_all(dir);
}

CAF_TEST(shutdown_refuses_new_work_and_answers_after_accepted_work) {
  auto db = spawn_broker(sys, memory_config());
  run();
  sql(db, "INSERT INTO notes (body) VALUES ('accepted')");
  bool stopped = false;
  test::ask(
      sys, db, [&] { stopped = true; }, [](caf::error&) {},
      shutdown_atom::value);
  std::optional<caf::error> late;
  test::ask(
      sys, db, [](result_set&) {}, [&](caf::error& e) { late = e; },
      sql_atom::value, std::string{"SELECT 1"}, std::vector<value>{});
  run();
  CAF_CHECK(rs); // the insert accepted before shutdown ran
  CAF_CHECK(stopped);
  CAF_REQUIRE(late);
  CAF_CHECK(is(*late, errc::shutting_down));
}

CAF_TEST(shutdown_while_starting_lets_held_requests_finish) {
  auto db = spawn_broker(sys, memory_config());
  sql(db, "INSERT INTO notes (body) VALUES ('held')");
  bool stopped = false;
  test::ask(
      sys, db, [&] { stopped = true; }, [](caf::error&) {},
      shutdown_atom::value);
  run();
  CAF_CHECK(rs);
  CAF_CHECK(stopped);
}

CAF_TEST(sql_errors_carry_the_database_message) {
  auto db = spawn_broker(sys, memory_config());
  sql(db, "SELEKT 1");
  run();
  CAF_REQUIRE(err);
  CAF_CHECK(is(*err, errc::database_error));
  CAF_CHECK_NOT_EQUAL(sys.render(*err).find("syntax error"), std::string::npos);
  sql(db, "INSERT INTO notes (body) VALUES (?)", {"dup"});
  run();
  sql(db, "INSERT INTO notes (body) VALUES (?)", {"dup"});
  run();
  CAF_REQUIRE(err);
  CAF_CHECK_NOT_EQUAL(sys.render(*err).find("UNIQUE"), std::string::npos);
}

CAF_TEST(wrong_parameter_count_is_an_invalid_argument) {
  auto db = spawn_broker(sys, memory_config());
  sql(db, "SELECT ?, ?", {1});
  run();
  CAF_REQUIRE(err);
  CAF_CHECK(is(*err, errc::invalid_argument));
}

CAF_TEST(transaction_that_throws_rolls_back_and_the_next_one_runs) {
  auto db = spawn_broker(sys, memory_config());
  auto failing = make_job(access_mode::write, [](transaction_scope& c) {
    c.execute("INSERT INTO notes (body) VALUES ('lost')");
    throw std::runtime_error("changed my mind");
  });
  std::optional<caf::error> failure;
  test::ask(
      sys, db, [] {}, [&](caf::error& e) { failure = e; }, transact_atom::value,
      job_ptr{failing}, niceness(0));
  run();
  CAF_REQUIRE(failure);
  CAF_CHECK(is(*failure, errc::transaction_error));
  CAF_CHECK_NOT_EQUAL(sys.render(*failure).find("changed my mind"),
                      std::string::npos);
  sql(db, "SELECT count(*) FROM notes");
  run();
  CAF_REQUIRE(rs);
  CAF_CHECK_EQUAL(rs->rows.at(0).at(0).as_integer(), 0);
}

CAF_TEST(table_definitions_are_validated_before_they_run) {
  auto db = spawn_broker(sys, memory_config());
  table_def bad{"bad", {{"a", column_type::text}}, {{"i", {"nope"}, false}}};
  std::optional<caf::error> failure;
  test::ask(
      sys, db, [] {}, [&](caf::error& e) { failure = e; }, table_atom::value,
      bad);
  run();
  CAF_REQUIRE(failure);
  CAF_CHECK(is(*failure, errc::invalid_argument));
  CAF_CHECK_NOT_EQUAL(sys.render(*failure).find("nope"), std::string::npos);
}

CAF_TEST(table_defined_at_runtime_can_be_used_and_redefined) {
  auto db = spawn_broker(sys, memory_config());
  table_def kv{
      "kv",
      {{"k", column_type::text, false, true}, {"v", column_type::integer}},
      {}};
  int answered = 0;
  for (int i = 0; i < 2; ++i)
    test::ask(
        sys, db, [&] { ++answered; }, [](caf::error&) {}, table_atom::value,
        kv);
  run();
  CAF_CHECK_EQUAL(answered, 2);
  sql(db, "INSERT INTO kv VALUES (?, ?)", {"a", 1});
  run();
  CAF_CHECK(rs);
  CAF_CHECK_EQUAL(rs->rows_affected, 1);
}

CAF_TEST(status_reports_state_backend_and_counters) {
  auto db = spawn_broker(sys, memory_config());
  sql(db, "SELECT 1");
  run();
  broker_status st;
  test::ask(
      sys, db, [&](broker_status& x) { st = x; }, [](caf::error&) {},
      status_atom::value);
  run();
  CAF_CHECK_EQUAL(st.state, "running");
  CAF_CHECK_EQUAL(st.backend, "sqlite:///:memory:");
  CAF_CHECK_EQUAL(st.queue.connections, 1u);
  CAF_CHECK_GREATER_OR_EQUAL(st.queue.done, 2u); // setup and the select
  CAF_CHECK_EQUAL(st.queue.failed, 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
