// The broker through real PostgreSQL faults: killed connections, a killed
// running transaction, and a server stopped and started again. Runs alone
// (it restarts the local cluster); waits are bounded.
#define CAF_SUITE actors.postgresql_faults

#include "sasync/actors/broker.hpp"

#include "sasync/actors/client.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/actors/transact.hpp"
#include "sasync/storage/connection.hpp"

#include "backends.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <future>
#include <thread>

using namespace sasync;

namespace {

constexpr auto bound = std::chrono::seconds(60);

/// Connections of the broker under test carry this name, so terminating
/// them spares every other client of the server.
constexpr const char* app_name = "sasync_fault_test";

std::string pg_url() {
  return sasync::test::postgresql_url();
}

/// Terminating other backends needs a superuser; this runs as postgres.
/// It returns once they have exited (waiting up to 10 s each), so their
/// sockets are closed when the test goes on.
int kill_broker_backends() {
  auto cmd = std::string{"cd / && runuser -u postgres -- psql -qtAX -c "
                         "\"SELECT count(pg_terminate_backend(pid, 10000)) "
                         "FROM pg_stat_activity WHERE application_name = '"} +
             app_name + "'\" >/dev/null";
  return std::system(cmd.c_str());
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

struct fixture {
  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  broker db;

  fixture() {
    broker_config bc;
    auto sep = pg_url().find('?') == std::string::npos ? "?" : "&";
    bc.engine = engine_config::parse(
        pg_url() + sep + "application_name=" + app_name + "&pool_size=2");
    db = spawn_broker(sys, bc);
  }

  ~fixture() {
    test::postgresql_cluster(
        "start"); // whatever a test did, leave the server running
    self->request(db, bound, shutdown_atom::value)
        .receive([] {}, [](caf::error&) {});
  }

  /// A broker of its own for a frozen server, with `options` (pool and
  /// timeouts) added to its URL.
  broker frozen_broker(const std::string& options) {
    broker_config bc;
    bc.engine = engine_config::parse(
        pg_url() + "?application_name=" + app_name + "&" + options);
    return spawn_broker(sys, bc);
  }

  auto sql(const broker& to, std::string stmt) {
    return self->request(to, bound, sql_atom::value, std::move(stmt),
                         std::vector<value>{});
  }

  /// Whether `db` answers a statement.
  bool serves(const broker& db) {
    bool served = false;
    sql(db, "SELECT 7")
        .receive([&](result_set&) { served = true; },
                 [&](caf::error& e) { CAF_MESSAGE(sys.render(e)); });
    return served;
  }

  /// SIGCONT, then whether `db` serves again.
  bool thaw_and_serve(test::frozen_postgresql& frozen, const broker& db) {
    CAF_REQUIRE_EQUAL(frozen.thaw(), 0);
    return serves(db);
  }

  void stop(const broker& db) {
    self->request(db, bound, shutdown_atom::value)
        .receive([] {}, [](caf::error&) {});
  }

  caf::expected<std::int64_t> select_one() {
    caf::expected<std::int64_t> out{0};
    self->request(db, bound, sql_atom::value, std::string{"SELECT 1::bigint"},
                  std::vector<value>{})
        .receive(
            [&](result_set& rs) { out = rs.rows.at(0).at(0).as_integer(); },
            [&](caf::error& err) { out = std::move(err); });
    return out;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(postgresql_fault_tests, fixture)

CAF_TEST(killed_idle_connections_are_reopened_without_failing_work) {
  CAF_REQUIRE(select_one());
  CAF_REQUIRE_EQUAL(kill_broker_backends(), 0);
  for (int i = 0; i < 4; ++i) {
    auto one = select_one();
    CAF_CHECK(one);
    if (!one)
      CAF_MESSAGE(sys.render(one.error()));
  }
}

// Items sets and gets go without BEGIN, committing themselves: one sent on
// a connection the server had closed could not tell whether it committed.
// The connection sees the close while idle and opens again first.
CAF_TEST(items_work_on_killed_idle_connections_reopens_them_first) {
  auto store = items_of(self, db, 917020, caf::duration{bound});
  CAF_REQUIRE(store);
  const caf::duration limit{bound};
  for (int round = 0; round < 3; ++round) {
    CAF_REQUIRE(set(self, *store, "k", std::int64_t{round}, limit));
    CAF_REQUIRE(get<std::int64_t>(self, *store, "k", limit));
    CAF_REQUIRE_EQUAL(kill_broker_backends(), 0);
    auto written = set(self, *store, "k", std::int64_t{round + 10}, limit);
    CAF_CHECK(written);
    if (!written)
      CAF_MESSAGE(sys.render(written.error()));
    CAF_REQUIRE_EQUAL(kill_broker_backends(), 0);
    auto got = get<std::int64_t>(self, *store, "k", limit);
    CAF_CHECK(got);
    if (got)
      CAF_CHECK_EQUAL(*got, std::optional<std::int64_t>{round + 10});
    else
      CAF_MESSAGE(sys.render(got.error()));
  }
  CAF_CHECK(erase(self, *store, {"k"}, limit));
}

CAF_TEST(a_transaction_whose_connection_dies_fails_as_retryable) {
  CAF_REQUIRE(select_one());
  std::promise<void> sleeping;
  auto asleep = sleeping.get_future();
  auto handle =
      self->request(db, bound, transact_atom::value,
                    job_ptr{make_job(access_mode::write,
                                     [&sleeping](transaction_scope& c) {
                                       c.execute("SELECT 1");
                                       sleeping.set_value();
                                       c.execute("SELECT pg_sleep(30)");
                                     })},
                    niceness(0));
  CAF_REQUIRE(asleep.wait_for(bound) == std::future_status::ready);
  CAF_REQUIRE_EQUAL(kill_broker_backends(), 0);
  caf::error failure;
  handle.receive([] {}, [&](caf::error& err) { failure = err; });
  CAF_REQUIRE(failure);
  CAF_CHECK(is(failure, errc::database_error));
  CAF_CHECK(is_retryable(failure));
  CAF_MESSAGE(sys.render(failure));
  CAF_CHECK(select_one()); // and the broker carries on
}

CAF_TEST(work_sent_while_the_server_is_down_runs_once_it_is_back) {
  CAF_REQUIRE(select_one());
  CAF_REQUIRE_EQUAL(test::postgresql_cluster("stop"), 0);
  auto pending =
      self->request(db, bound, sql_atom::value, std::string{"SELECT 2::bigint"},
                    std::vector<value>{});
  // The request waits (pool_timeout is 30 s) while the server is away.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CAF_REQUIRE_EQUAL(test::postgresql_cluster("start"), 0);
  std::int64_t got = 0;
  pending.receive(
      [&](result_set& rs) { got = rs.rows.at(0).at(0).as_integer(); },
      [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  CAF_CHECK_EQUAL(got, 2);
}

CAF_TEST(a_frozen_server_fails_requests_with_timeout_and_serves_after) {
  // 2 s to wait for a connection, 2 s for the database to answer.
  auto frozen_db =
      frozen_broker("pool_size=2&max_overflow=0&pool_timeout=2&run_timeout=2");
  CAF_REQUIRE(serves(frozen_db)); // its connections are open
  test::frozen_postgresql frozen;
  CAF_REQUIRE(frozen.stopped());
  auto t0 = std::chrono::steady_clock::now();
  // Two run into the frozen server, four wait for the busy connections.
  std::vector<decltype(sql(frozen_db, ""))> pending;
  for (int i = 0; i < 6; ++i)
    pending.emplace_back(sql(frozen_db, "SELECT " + std::to_string(i)));
  int timeouts = 0;
  for (auto& p : pending)
    p.receive([](result_set&) {},
              [&](caf::error& e) {
                timeouts += is(e, errc::timeout) ? 1 : 0;
                CAF_MESSAGE(sys.render(e));
              });
  auto waited = seconds_since(t0);
  CAF_MESSAGE("all 6 answered after " << waited << " s");
  CAF_CHECK_EQUAL(timeouts, 6);
  CAF_CHECK_LESS(waited, 10.0);
  // Service resumes: the stuck connections answer and serve again.
  CAF_CHECK(thaw_and_serve(frozen, frozen_db));
  stop(frozen_db);
}

CAF_TEST(a_cursor_on_a_frozen_server_ends_with_timeout_and_serves_after) {
  auto frozen_db = frozen_broker("pool_size=2&pool_timeout=2&run_timeout=2");
  auto wait = caf::duration{bound};
  auto opened =
      query(self, frozen_db, "SELECT generate_series(1, 100000)", {}, wait);
  CAF_REQUIRE(opened);
  auto first = fetch(self, opened->rows, 10, wait);
  CAF_REQUIRE(first);
  CAF_REQUIRE_EQUAL(first->rows.size(), 10u);
  test::frozen_postgresql frozen;
  CAF_REQUIRE(frozen.stopped());
  auto t0 = std::chrono::steady_clock::now();
  // The rows read ahead come first (the cursor's two batches, and the
  // FETCH its connection sent ahead); then a fetch waits on the server.
  caf::error err;
  for (int i = 0; i < 10 && !err; ++i)
    if (auto more = fetch(self, opened->rows, 10, wait); !more)
      err = more.error();
  auto waited = seconds_since(t0);
  CAF_MESSAGE("answered after " << waited << " s: " << sys.render(err));
  CAF_CHECK(is(err, errc::timeout));
  CAF_CHECK_LESS(waited, 10.0);
  CAF_CHECK(thaw_and_serve(frozen, frozen_db));
  stop(frozen_db);
}

CAF_TEST(a_broker_on_a_frozen_server_shuts_down_after_run_timeout) {
  auto frozen_db =
      frozen_broker("pool_size=1&max_overflow=0&pool_timeout=2&run_timeout=2");
  CAF_REQUIRE(serves(frozen_db)); // its connections are open
  test::frozen_postgresql frozen;
  CAF_REQUIRE(frozen.stopped());
  auto t0 = std::chrono::steady_clock::now();
  // Accepted before the shutdown, so the drain waits for it; its
  // connection never answers.
  auto stuck = sql(frozen_db, "SELECT 2");
  caf::error stopped;
  self->request(frozen_db, bound, shutdown_atom::value)
      .receive([] {}, [&](caf::error& e) { stopped = e; });
  auto waited = seconds_since(t0);
  CAF_MESSAGE("shutdown answered after " << waited
                                         << " s: " << sys.render(stopped));
  CAF_CHECK(is(stopped, errc::timeout));
  CAF_CHECK_LESS(waited, 10.0);
  caf::error first;
  stuck.receive([](result_set&) {}, [&](caf::error& e) { first = e; });
  CAF_CHECK(is(first, errc::timeout));
  CAF_REQUIRE_EQUAL(frozen.thaw(), 0);
  CAF_CHECK(select_one()); // the fixture's broker never noticed
}

CAF_TEST(connections_refused_for_good_fail_every_waiting_request_at_once) {
  for (auto& refused : test::refused_connections()) {
    broker_config bc;
    // A long pool_timeout: waiting for it would show.
    bc.engine = engine_config::parse(refused.url + "?pool_timeout=20");
    auto refusing = spawn_broker(sys, bc);
    auto t0 = std::chrono::steady_clock::now();
    std::vector<decltype(sql(refusing, ""))> pending;
    for (int i = 0; i < 5; ++i)
      pending.emplace_back(sql(refusing, "SELECT " + std::to_string(i)));
    int refusals = 0;
    std::string first;
    for (auto& p : pending)
      p.receive([](result_set&) {},
                [&](caf::error& e) {
                  auto text = sys.render(e);
                  refusals +=
                      is(e, errc::database_error) &&
                              text.find(refused.words) != std::string::npos &&
                              !is_retryable(e)
                          ? 1
                          : 0;
                  if (first.empty())
                    first = text;
                });
    auto waited = seconds_since(t0);
    CAF_MESSAGE(refused.url << ": 5 answered after " << waited
                            << " s: " << first);
    CAF_CHECK_EQUAL(refusals, 5);
    // The error names the host and the database.
    auto display = bc.engine->display_url();
    CAF_CHECK_NOT_EQUAL(first.find(display), std::string::npos);
    CAF_CHECK_LESS(waited, 5.0);
    stop(refusing);
  }
}

CAF_TEST(a_restarted_server_is_used_again) {
  CAF_REQUIRE(select_one());
  CAF_REQUIRE_EQUAL(test::postgresql_cluster("restart"), 0);
  CAF_CHECK(select_one());
  CAF_CHECK(select_one());
}

// A cursor's statement that starts just before a shutdown is interrupted at
// run_timeout from its start; its connection then closes and the shutdown
// answers ok. Closing may take the interrupt's own round trip beyond
// run_timeout from the shutdown, which the close must allow for.
CAF_TEST(a_cursor_statement_started_at_shutdown_is_interrupted_and_closes) {
  auto watcher = open_connection(engine_config::parse(pg_url()),
                                 access_mode::read);
  auto started = [&] {
    watcher->begin(access_mode::read); // pg_stat_activity: one per transaction
    auto rs = watcher->execute(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = ? "
        "AND state = 'active'",
        {value{std::string{app_name}}});
    watcher->rollback();
    return rs.rows.at(0).at(0).as_integer() > 0;
  };
  for (int round = 0; round < 5; ++round) {
    auto db2 = frozen_broker("pool_size=2&max_overflow=0&pool_timeout=5&"
                             "run_timeout=1");
    CAF_REQUIRE(serves(db2));
    auto opened = query(self, db2, "SELECT pg_sleep(60)", {},
                        caf::duration{bound});
    CAF_REQUIRE(opened);
    auto rows = self->request(opened->rows, bound, fetch_atom::value,
                              std::uint32_t{1});
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (!started() && std::chrono::steady_clock::now() < deadline)
      ;
    CAF_REQUIRE(started());
    auto t0 = std::chrono::steady_clock::now();
    caf::error stopped;
    self->request(db2, bound, shutdown_atom::value)
        .receive([] {}, [&](caf::error& e) { stopped = e; });
    CAF_MESSAGE("round " << round << ": shutdown answered after "
                         << seconds_since(t0) << " s"
                         << (stopped ? ": " + sys.render(stopped) : ""));
    CAF_CHECK(!stopped);
    rows.receive([](row_batch&) {}, [](caf::error&) {});
  }
}

CAF_TEST_FIXTURE_SCOPE_END()
