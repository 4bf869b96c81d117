// The PostgreSQL pool on the real server: parallel transactions (shown by
// a barrier of advisory locks they all hold at once), serial ones (timed by
// the database's own clock), overflow connections, and concurrent table
// setup by two brokers.
#define CAF_SUITE actors.postgresql_pool

#include "sasync/actors/broker.hpp"

#include "sasync/actors/errc.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/actors/transact.hpp"
#include "sasync/storage/connection.hpp"
#include "sasync/storage/metrics.hpp"

#include "backends.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <utility>

#include <unistd.h>

using namespace sasync;

namespace {

constexpr auto bound = std::chrono::seconds(60);

std::string pg_url(const std::string& options) {
  auto url = sasync::test::postgresql_url();
  return url + (url.find('?') == std::string::npos ? "?" : "&") + options;
}

/// Start and end of one transaction by the server's clock, in seconds.
using span = std::pair<double, double>;

struct fixture {
  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  /// `max_batch` 1 keeps the queue from running waiting jobs together in
  /// one transaction on the first connection that opens.
  broker start(const std::string& options, std::vector<table_def> tables = {},
               std::size_t max_batch = defaults::max_batch) {
    broker_config bc;
    bc.engine = engine_config::parse(pg_url(options));
    bc.tables = std::move(tables);
    bc.max_batch = max_batch;
    return spawn_broker(sys, bc);
  }

  void stop(const broker& db) {
    self->request(db, bound, shutdown_atom::value)
        .receive([] {}, [](caf::error&) {});
  }

  /// What `n` transactions that each slept on the server saw, by the
  /// server's clock.
  struct sleepers {
    double took = 0; ///< from the first start to the last end
    /// All of them slept at one instant: the last began before the first
    /// ended. Unlike `took`, this holds however long connecting took.
    bool overlapped = false;
  };

  /// Runs `n` transactions that each sleep `secs` on the server at once.
  sleepers run_sleepers(const broker& db, int n, double secs) {
    using handle = decltype(self->request(db, bound, transact_atom::value,
                                          job_ptr{}, niceness(0)));
    std::vector<std::shared_ptr<closure_job<std::function<span(transaction_scope&)>>>>
        jobs;
    std::vector<handle> pending;
    for (int i = 0; i < n; ++i) {
      std::function<span(transaction_scope&)> fn = [secs](transaction_scope& c) {
        auto clock = "SELECT extract(epoch FROM clock_timestamp())::float8";
        auto begin = c.execute(clock).rows.at(0).at(0).as_real();
        c.execute("SELECT pg_sleep(?::float8)", {secs});
        auto end = c.execute(clock).rows.at(0).at(0).as_real();
        return span{begin, end};
      };
      jobs.emplace_back(make_job(access_mode::write, std::move(fn)));
      pending.emplace_back(self->request(db, bound, transact_atom::value,
                                         job_ptr{jobs.back()}, niceness(0)));
    }
    double first_begin = 1e300, last_begin = 0;
    double first_end = 1e300, last_end = 0;
    for (size_t i = 0; i < pending.size(); ++i)
      pending[i].receive(
          [&] {
            auto s = jobs[i]->take();
            first_begin = std::min(first_begin, s.first);
            last_begin = std::max(last_begin, s.first);
            first_end = std::min(first_end, s.second);
            last_end = std::max(last_end, s.second);
          },
          [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return {last_end - first_begin, last_begin < first_end};
  }

  /// Runs `n` transactions that meet on the server, a barrier built of
  /// advisory locks: each holds lock "here" `i`, waits until all `n` "here"
  /// locks are held, then takes "saw" `i` and waits until all `n` "saw" locks
  /// are held. Nobody leaves (and so drops its locks) before every one saw
  /// all of them, so a "here" count below `n` also means all have met. True
  /// if they all met within 20 s: one after another they could not.
  bool meet(const broker& db, int n) {
    auto here = static_cast<std::int64_t>(::getpid() % 1000000);
    auto saw = here + 1000000;
    std::vector<std::shared_ptr<closure_job<std::function<bool(transaction_scope&)>>>>
        jobs;
    using handle = decltype(self->request(db, bound, transact_atom::value,
                                          job_ptr{}, niceness(0)));
    std::vector<handle> pending;
    for (int i = 0; i < n; ++i) {
      std::function<bool(transaction_scope&)> fn = [=](transaction_scope& c) {
        auto lock = [&](std::int64_t key) {
          c.execute("SELECT pg_advisory_xact_lock(?::int4, ?::int4)",
                    {key, std::int64_t{i}});
        };
        auto count = [&](std::int64_t key) {
          return c
              .execute("SELECT count(*) FROM pg_locks WHERE granted AND "
                       "locktype = 'advisory' AND classid = (?::int4)::oid",
                       {key})
              .rows.at(0).at(0).as_integer();
        };
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        auto wait_until = [&](auto done) {
          while (!done()) {
            if (std::chrono::steady_clock::now() > deadline)
              return false;
            c.execute("SELECT pg_sleep(0.01)");
          }
          return true;
        };
        lock(here);
        if (!wait_until([&] { return count(here) == n; }))
          return false;
        lock(saw);
        return wait_until([&] { return count(saw) == n || count(here) < n; });
      };
      jobs.emplace_back(make_job(access_mode::write, std::move(fn)));
      pending.emplace_back(self->request(db, bound, transact_atom::value,
                                         job_ptr{jobs.back()}, niceness(0)));
    }
    int met = 0;
    for (size_t i = 0; i < pending.size(); ++i)
      pending[i].receive([&] { met += jobs[i]->take() ? 1 : 0; },
                         [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return met == n;
  }

  queue_status status(const broker& db) {
    queue_status out;
    self->request(db, bound, status_atom::value)
        .receive([&](broker_status& st) { out = st.queue; },
                 [](caf::error&) {});
    return out;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(postgresql_pool_tests, fixture)

CAF_TEST(four_transactions_hold_their_locks_at_once_on_the_pool) {
  auto db = start("pool_size=4&max_overflow=0", {}, 1);
  // One after another, the four could never all hold their locks at once.
  CAF_CHECK(meet(db, 4));
  stop(db);
}

CAF_TEST(one_connection_runs_them_one_after_another) {
  auto db = start("pool_size=1&max_overflow=0");
  auto run = run_sleepers(db, 3, 0.2);
  CAF_MESSAGE("3 x 0.2 s transactions took " << run.took
                                             << " s (server clock)");
  CAF_CHECK(!run.overlapped);
  CAF_CHECK_GREATER_OR_EQUAL(run.took, 0.6);
  stop(db);
}

CAF_TEST(overflow_connections_serve_a_burst_at_once_and_close_afterwards) {
  auto db = start("pool_size=1&max_overflow=3", {}, 1);
  // The extra connections open one after another; the four meet anyway.
  CAF_CHECK(meet(db, 4));
  // Extra connections close after a second without work (overflow_idle).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (status(db).connections > 1 &&
         std::chrono::steady_clock::now() < deadline)
    self->receive(caf::after(std::chrono::milliseconds(50)) >> [] {});
  CAF_CHECK_EQUAL(status(db).connections, 1u);
  stop(db);
}

CAF_TEST(two_brokers_creating_the_same_tables_at_once_both_succeed) {
  auto name = "race_" + std::to_string(::getpid());
  table_def def{name,
                {{"id", column_type::integer, false, true, true},
                 {"v", column_type::text}},
                {{"by_v", {"v"}, true}}};
  auto drop = [&] {
    open_connection(engine_config::parse(pg_url("pool_size=1")),
                    access_mode::write)
        ->execute_script("DROP TABLE IF EXISTS " + name);
  };
  for (int round = 0; round < 3; ++round) {
    drop();
    auto a = start("pool_size=1", {def});
    auto b = start("pool_size=1", {def});
    int ok = 0;
    for (auto* db : {&a, &b})
      self->request(*db, bound, sql_atom::value, "SELECT count(*) FROM " + name,
                    std::vector<value>{})
          .receive([&](result_set&) { ++ok; },
                   [&](caf::error& err) { CAF_MESSAGE(sys.render(err)); });
    CAF_CHECK_EQUAL(ok, 2);
    stop(a);
    stop(b);
  }
  drop();
}

CAF_TEST(wrong_password_fails_at_once_without_showing_it) {
  // Long enough for the failed login itself under a sanitizer on a busy
  // machine.
  auto url = engine_config::parse(pg_url("pool_timeout=4"));
  url.password = "wrong-secret";
  broker_config bc;
  bc.engine = url;
  auto db = spawn_broker(sys, bc);
  caf::error failure;
  auto t0 = std::chrono::steady_clock::now();
  self->request(db, bound, sql_atom::value, std::string{"SELECT 1"},
                std::vector<value>{})
      .receive([](result_set&) {}, [&](caf::error& err) { failure = err; });
  auto waited = std::chrono::steady_clock::now() - t0;
  CAF_REQUIRE(failure);
  auto text = sys.render(failure);
  CAF_MESSAGE(text);
  // A refused login is not retried: no waiting for pool_timeout.
  CAF_CHECK(is(failure, errc::database_error));
  CAF_CHECK(!is_retryable(failure));
  CAF_MESSAGE("answered after " << std::chrono::duration<double>(waited).count()
                                << " s");
  CAF_CHECK_NOT_EQUAL(text.find("password authentication failed"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find(url.host), std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find(url.database), std::string::npos);
  CAF_CHECK_EQUAL(text.find("wrong-secret"), std::string::npos);
  CAF_CHECK_LESS(waited, std::chrono::seconds(10));
  stop(db);
}

CAF_TEST(overflow_opens_and_reconnects_are_counted_in_the_metrics) {
  metrics::enable(true);
  auto& pool = metrics::counter_of("sasync_connections_opened_total", "",
                                   {{"kind", "pool"}});
  auto& overflow = metrics::counter_of("sasync_connections_opened_total", "",
                                       {{"kind", "overflow"}});
  auto& reconnects = metrics::counter_of("sasync_reconnects_total", "");
  auto pool_before = pool.value();
  auto overflow_before = overflow.value();
  auto db = start("pool_size=1&max_overflow=3", {}, 1);
  CAF_REQUIRE(meet(db, 4));
  CAF_CHECK_EQUAL(pool.value() - pool_before, 1u);
  CAF_CHECK_EQUAL(overflow.value() - overflow_before, 3u);
  // Once the extra connections closed (overflow_idle), the pool's one, cut
  // by the server: the next job opens it again.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (status(db).connections > 1 &&
         std::chrono::steady_clock::now() < deadline)
    self->receive(caf::after(std::chrono::milliseconds(50)) >> [] {});
  CAF_REQUIRE_EQUAL(status(db).connections, 1u);
  auto backend = [&] {
    std::function<std::int64_t(transaction_scope&)> fn =
        [](transaction_scope& c) {
          return c.execute("SELECT pg_backend_pid()").rows.at(0).at(0)
              .as_integer();
        };
    auto work = make_job(access_mode::write, std::move(fn));
    std::int64_t pid = 0;
    self->request(db, bound, transact_atom::value, job_ptr{work}, do_next)
        .receive([&] { pid = work->take(); },
                 [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return pid;
  };
  auto first = backend();
  auto reconnects_before = reconnects.value();
  auto admin = open_connection(
      engine_config::parse(sasync::test::postgresql_url()), access_mode::write);
  admin->execute("SELECT pg_terminate_backend(?::int4)", {first});
  auto second = backend();
  CAF_CHECK_NOT_EQUAL(first, second);
  CAF_CHECK_EQUAL(reconnects.value() - reconnects_before, 1u);
  stop(db);
  metrics::enable(false);
}

CAF_TEST_FIXTURE_SCOPE_END()
