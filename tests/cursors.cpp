// Cursors, deterministic: the test coordinator runs every actor, including
// the one connection of an in-memory SQLite database, so while a cursor
// leases it every other transaction visibly waits.
#define CAF_SUITE actors.cursors

#include "sasync/actors/broker.hpp"

#include "sasync/actors/errc.hpp"
#include "sasync/actors/system_config.hpp"

#include "ask.hpp"

#include <caf/test/dsl.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

using namespace sasync;
using namespace std::chrono_literals;

namespace {

/// Rows 1..n, one integer column `x`.
std::string numbers(int n) {
  return "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM n "
         "WHERE x < " +
         std::to_string(n) + ") SELECT x FROM n";
}

/// What a consumer received, in order (one thread: no locking).
struct consumer_log {
  std::vector<row_batch> batches;
  std::optional<caf::error> error;

  std::vector<std::size_t> sizes() const {
    std::vector<std::size_t> out;
    for (auto& b : batches)
      out.push_back(b.rows.size());
    return out;
  }

  std::size_t rows() const {
    auto s = sizes();
    return std::accumulate(s.begin(), s.end(), std::size_t{0});
  }

  bool done() const { return !batches.empty() && batches.back().done; }
};

/// Records what the cursor pushes and never grants credit itself: the test
/// does.
row_consumer::behavior_type consumer_impl(std::shared_ptr<consumer_log> log) {
  return {
      [=](rows_atom, const cursor&, row_batch& batch) {
        log->batches.emplace_back(std::move(batch));
      },
      [=](rows_atom, const cursor&, caf::error& err) { log->error = err; },
  };
}

struct fixture : test_coordinator_fixture<system_config> {
  ~fixture() {
    run(); // late answers still find `rs`, `err` and `fetched`
  }

  /// A running broker on a fresh in-memory database.
  broker start(std::chrono::milliseconds cursor_idle = 60s) {
    broker_config cfg;
    cfg.engine = engine_config::parse("sqlite:///:memory:");
    cfg.cursor_idle_timeout = cursor_idle;
    cfg.detached = false; // the test coordinator runs the connection
    auto db = spawn_broker(sys, cfg);
    sched.run();
    return db;
  }

  /// A pulled cursor; `self` asks, so `self` owns it (and outlives it).
  cursor_info query(const broker& db, std::string stmt) {
    auto answer = self->request(db, caf::infinite, query_atom::value,
                                std::move(stmt), std::vector<value>{});
    sched.run();
    CAF_REQUIRE(!self->mailbox().empty()); // receive() would block
    cursor_info out;
    caf::error failure;
    answer.receive([&](cursor_info& x) { out = std::move(x); },
                   [&](caf::error& e) { failure = std::move(e); });
    if (failure)
      CAF_FAIL("query failed: " << sys.render(failure));
    return out;
  }

  /// A pushed cursor for `to`, with `credit` rows granted up front.
  cursor_info push_query(const broker& db, std::string stmt,
                         const row_consumer& to, std::uint32_t credit) {
    std::optional<cursor_info> out;
    caf::error failure;
    test::ask(
        sys, db, [&](cursor_info& x) { out = std::move(x); },
        [&](caf::error& e) { failure = std::move(e); }, query_atom::value,
        std::move(stmt), std::vector<value>{}, to, credit);
    sched.run();
    if (failure)
      CAF_FAIL("query failed: " << sys.render(failure));
    CAF_REQUIRE(out);
    return std::move(*out);
  }

  row_consumer consumer(std::shared_ptr<consumer_log> log) {
    return sys.spawn(consumer_impl, std::move(log));
  }

  /// Asks for `n` rows; the answer lands in `fetched` or `fetch_err` once
  /// the scheduler runs.
  void fetch(const cursor& rows, std::uint32_t n) {
    fetched.reset();
    fetch_err.reset();
    test::ask(
        sys, rows, [this](row_batch& x) { fetched = std::move(x); },
        [this](caf::error& x) { fetch_err = std::move(x); }, fetch_atom::value,
        n);
  }

  /// Sends a statement; the answer lands in `rs` or `err` once the
  /// scheduler runs.
  void sql(const broker& db, std::string stmt) {
    rs.reset();
    err.reset();
    test::ask(
        sys, db, [this](result_set& x) { rs = std::move(x); },
        [this](caf::error& x) { err = std::move(x); }, sql_atom::value,
        std::move(stmt), std::vector<value>{});
  }

  bool sql_answered() const { return rs.has_value() || err.has_value(); }

  /// Connections lent to cursors now, as the broker reports them.
  std::uint64_t leased(const broker& db) {
    std::optional<std::uint64_t> out;
    test::ask(
        sys, db, [&](broker_status& st) { out = st.queue.leased; },
        [](caf::error&) {}, status_atom::value);
    sched.run();
    CAF_REQUIRE(out);
    return *out;
  }

  void grant(const cursor& rows, std::uint32_t n) {
    self->send(rows, credit_atom::value, n);
    sched.run();
  }

  std::optional<result_set> rs;
  std::optional<caf::error> err;
  std::optional<row_batch> fetched;
  std::optional<caf::error> fetch_err;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cursor_tests, fixture)

CAF_TEST(a_consumer_gets_exactly_the_rows_it_granted_credit_for) {
  auto db = start();
  auto log = std::make_shared<consumer_log>();
  auto to = consumer(log);
  auto info = push_query(db, numbers(30), to, 7);
  CAF_CHECK_EQUAL(info.columns, (std::vector<std::string>{"x"}));
  // The cursor read two batches ahead (rows 8..21), but the consumer gets
  // its credit's worth only.
  CAF_CHECK_EQUAL(log->rows(), 7u);
  CAF_CHECK(!log->done());
  sched.run();
  CAF_CHECK_EQUAL(log->rows(), 7u);
  CAF_CHECK_EQUAL(leased(db), 1u);
  self->send(info.rows, credit_atom::value, std::uint32_t{5});
  expect((credit_atom, std::uint32_t),
         from(self).to(info.rows).with(_, std::uint32_t{5}));
  sched.run();
  CAF_CHECK_EQUAL(log->rows(), 12u);
  CAF_CHECK(!log->done());
  grant(info.rows, 100);
  CAF_CHECK_EQUAL(log->rows(), 30u);
  CAF_CHECK(log->done());
  CAF_CHECK(!log->error);
  std::int64_t expected = 0;
  for (auto& b : log->batches)
    for (auto& r : b.rows)
      CAF_CHECK_EQUAL(r.at(0).as_integer(), ++expected);
  CAF_CHECK_EQUAL(leased(db), 0u);
}

CAF_TEST(credit_for_exactly_the_remaining_rows_still_ends_with_done) {
  auto db = start(1s);
  auto log = std::make_shared<consumer_log>();
  // The cursor reads two batches of 10 rows ahead: rows 11..30, and no
  // sign yet that nothing follows them.
  auto info = push_query(db, numbers(30), consumer(log), 10);
  CAF_CHECK_EQUAL(log->rows(), 10u);
  CAF_CHECK_EQUAL(leased(db), 1u);
  grant(info.rows, 20); // the rest, not one row more
  CAF_CHECK_EQUAL(log->rows(), 30u);
  CAF_CHECK_EQUAL(leased(db), 0u);
  // The consumer learns that no rows follow without granting credit for
  // rows that do not exist, and the idle timer does not end a finished
  // stream with an error.
  CAF_CHECK(log->done());
  advance_time(1s);
  sched.run();
  CAF_CHECK(!log->error);
}

CAF_TEST(an_open_cursor_holds_the_only_connection_until_cancelled) {
  auto db = start();
  auto info = query(db, numbers(100));
  fetch(info.rows, 10);
  sched.run();
  CAF_REQUIRE(fetched);
  CAF_CHECK_EQUAL(fetched->rows.size(), 10u);
  CAF_CHECK(!fetched->done);
  CAF_CHECK_EQUAL(leased(db), 1u);
  sql(db, "SELECT 42");
  sched.run();
  CAF_CHECK(!sql_answered());
  bool cancelled = false;
  test::ask(
      sys, info.rows, [&] { cancelled = true; }, [](caf::error&) {},
      cancel_atom::value);
  sched.run();
  CAF_CHECK(cancelled);
  CAF_REQUIRE(rs);
  CAF_CHECK_EQUAL(rs->rows.at(0).at(0).as_integer(), 42);
  CAF_CHECK_EQUAL(leased(db), 0u);
  // The cursor actor is gone.
  fetch(info.rows, 10);
  sched.run();
  CAF_REQUIRE(fetch_err);
  CAF_CHECK_EQUAL(*fetch_err, caf::sec::request_receiver_down);
}

CAF_TEST(reading_the_last_row_gives_the_connection_back) {
  auto db = start();
  auto info = query(db, numbers(35));
  fetch(info.rows, 10); // rows 1..10; the cursor reads 11..30 ahead
  sched.run();
  CAF_REQUIRE(fetched);
  CAF_CHECK_EQUAL(fetched->rows.size(), 10u);
  sql(db, "SELECT 42");
  sched.run();
  CAF_CHECK(!sql_answered());
  CAF_CHECK_EQUAL(leased(db), 1u);
  fetch(info.rows, 10); // rows 11..20; reading ahead finds the end
  sched.run();
  CAF_REQUIRE(fetched);
  CAF_CHECK_EQUAL(fetched->rows.size(), 10u);
  CAF_CHECK(!fetched->done);
  CAF_REQUIRE(rs);
  CAF_CHECK_EQUAL(rs->rows.at(0).at(0).as_integer(), 42);
  CAF_CHECK_EQUAL(leased(db), 0u);
  fetch(info.rows, 10); // what was read ahead is still there
  sched.run();
  CAF_REQUIRE(fetched);
  CAF_CHECK_EQUAL(fetched->rows.size(), 10u);
  CAF_CHECK(!fetched->done);
  CAF_CHECK_EQUAL(fetched->rows.back().at(0).as_integer(), 30);
  fetch(info.rows, 10);
  sched.run();
  CAF_REQUIRE(fetched);
  CAF_CHECK_EQUAL(fetched->rows.size(), 5u);
  CAF_CHECK(fetched->done);
  CAF_CHECK_EQUAL(fetched->rows.back().at(0).as_integer(), 35);
}

CAF_TEST(a_fetch_still_on_its_way_after_the_last_batch_ends_nothing) {
  // Two fetches travel to the connection at once; when the first finds the
  // end, the second finds no database cursor left and is answered with an
  // error that must not end the cursor before its rows are read.
  auto db = start();
  auto info = query(db, numbers(15));
  fetch(info.rows, 10); // rows 1..10; reading 11..20 finds the end
  sched.run();
  CAF_REQUIRE(fetched);
  CAF_CHECK_EQUAL(fetched->rows.size(), 10u);
  CAF_CHECK_EQUAL(leased(db), 0u);
  fetch(info.rows, 10);
  sched.run();
  CAF_CHECK(!fetch_err);
  CAF_REQUIRE(fetched);
  CAF_CHECK_EQUAL(fetched->rows.size(), 5u);
  CAF_CHECK(fetched->done);
  CAF_CHECK_EQUAL(fetched->rows.back().at(0).as_integer(), 15);
}

CAF_TEST(an_idle_cursor_gives_its_connection_back_after_the_timeout) {
  auto db = start(1s);
  auto info = query(db, numbers(100));
  sql(db, "SELECT 42");
  advance_time(999ms);
  sched.run();
  CAF_CHECK(!sql_answered());
  CAF_CHECK_EQUAL(leased(db), 1u);
  advance_time(1ms);
  sched.run();
  CAF_REQUIRE(rs);
  CAF_CHECK_EQUAL(rs->rows.at(0).at(0).as_integer(), 42);
  CAF_CHECK_EQUAL(leased(db), 0u);
  fetch(info.rows, 10);
  sched.run();
  CAF_REQUIRE(fetch_err);
  CAF_CHECK_EQUAL(*fetch_err, caf::sec::request_receiver_down);
}

CAF_TEST(a_fetch_restarts_the_idle_timeout) {
  auto db = start(1s);
  auto info = query(db, numbers(100));
  advance_time(600ms);
  fetch(info.rows, 10);
  sched.run();
  CAF_REQUIRE(fetched);
  CAF_CHECK_EQUAL(fetched->rows.size(), 10u);
  sql(db, "SELECT 42");
  advance_time(999ms); // 1.599 s after the query, 0.999 s after the fetch
  sched.run();
  CAF_CHECK(!sql_answered());
  CAF_CHECK_EQUAL(leased(db), 1u);
  advance_time(1ms);
  sched.run();
  CAF_CHECK(rs);
  CAF_CHECK_EQUAL(leased(db), 0u);
}

CAF_TEST(a_consumer_without_credit_hears_that_its_cursor_timed_out) {
  auto db = start(1s);
  auto log = std::make_shared<consumer_log>();
  push_query(db, numbers(100), consumer(log), 3);
  CAF_CHECK_EQUAL(log->sizes(), (std::vector<std::size_t>{3}));
  sql(db, "SELECT 42");
  advance_time(999ms);
  sched.run();
  CAF_CHECK(!sql_answered());
  CAF_CHECK(!log->error);
  advance_time(1ms);
  sched.run();
  CAF_REQUIRE(log->error);
  CAF_CHECK(is(*log->error, errc::timeout));
  CAF_CHECK_EQUAL(log->rows(), 3u);
  CAF_CHECK(rs);
  CAF_CHECK_EQUAL(leased(db), 0u);
}

CAF_TEST(a_consumer_that_terminates_frees_the_connection) {
  auto db = start();
  auto log = std::make_shared<consumer_log>();
  auto to = consumer(log);
  push_query(db, numbers(100), to, 3);
  CAF_CHECK_EQUAL(log->rows(), 3u);
  sql(db, "SELECT 42");
  sched.run();
  CAF_CHECK(!sql_answered());
  CAF_CHECK_EQUAL(leased(db), 1u);
  caf::anon_send_exit(to, caf::exit_reason::user_shutdown);
  sched.run();
  CAF_REQUIRE(rs);
  CAF_CHECK_EQUAL(rs->rows.at(0).at(0).as_integer(), 42);
  CAF_CHECK_EQUAL(leased(db), 0u);
  CAF_CHECK_EQUAL(log->rows(), 3u);
}

CAF_TEST(a_fetch_larger_than_max_fetch_rows_gets_max_fetch_rows) {
  auto db = start();
  auto info = query(db, numbers(10'050));
  fetch(info.rows, 20'000);
  sched.run();
  CAF_REQUIRE(fetched);
  CAF_CHECK_EQUAL(fetched->rows.size(), max_fetch_rows);
  CAF_CHECK(!fetched->done);
  CAF_CHECK_EQUAL(fetched->rows.back().at(0).as_integer(), 10'000);
  fetch(info.rows, 20'000);
  sched.run();
  CAF_REQUIRE(fetched);
  CAF_CHECK_EQUAL(fetched->rows.size(), 50u);
  CAF_CHECK(fetched->done);
  // Pushed, a larger credit comes in batches of max_fetch_rows at most.
  auto log = std::make_shared<consumer_log>();
  push_query(db, numbers(10'050), consumer(log), 20'000);
  CAF_CHECK_EQUAL(log->rows(), 10'050u);
  CAF_CHECK(log->done());
  for (auto n : log->sizes())
    CAF_CHECK_LESS_OR_EQUAL(n, max_fetch_rows);
  CAF_CHECK_EQUAL(leased(db), 0u);
}

CAF_TEST(a_cursor_that_ends_while_waiting_for_its_lease_keeps_no_connection) {
  auto db = start();
  auto first = query(db, numbers(100)); // holds the connection
  auto log = std::make_shared<consumer_log>();
  auto to = consumer(log);
  std::optional<caf::error> refused;
  test::ask(
      sys, db, [](cursor_info&) {}, [&](caf::error& e) { refused = e; },
      query_atom::value, numbers(100), std::vector<value>{}, to,
      std::uint32_t{10});
  sched.run();
  CAF_CHECK(!refused); // the second cursor waits for the connection
  caf::anon_send_exit(to, caf::exit_reason::user_shutdown);
  sched.run();
  CAF_CHECK(refused); // it ended before it opened
  test::ask(
      sys, first.rows, [] {}, [](caf::error&) {}, cancel_atom::value);
  sched.run();
  // Nobody is left to use the connection: it serves the queue again.
  CAF_CHECK_EQUAL(leased(db), 0u);
  sql(db, "SELECT 42");
  sched.run();
  CAF_CHECK(rs);
}

CAF_TEST_FIXTURE_SCOPE_END()
