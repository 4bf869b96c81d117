// The broker's behaviour on a real backend with real threads: connection
// actors are detached, every wait is bounded. Included by one suite per
// backend, each defining `struct backend` (url(), index_query,
// unreachable_url, unreachable_part, unreachable_errc, runaway_read,
// runaway_query, runaway_options) and CAF_SUITE first.

#include "sasync/actors/broker.hpp"

#include "sasync/actors/client.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/actors/transact.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <unistd.h>

using namespace sasync;

namespace {

/// Every wait in this suite gives up after this long instead of hanging.
constexpr auto bound = std::chrono::seconds(30);
const caf::duration limit{bound};

table_def orders_table() {
  return {"orders",
          {{"id", column_type::integer, false, true, true},
           {"customer", column_type::text, false},
           {"amount", column_type::real, false}},
          {{"by_customer", {"customer"}, false},
           {"unique_pair", {"customer", "amount"}, true}}};
}

struct fixture {
  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  backend where;
  std::string url = where.url();

  broker start(std::size_t max_batch = 64) {
    broker_config bc;
    bc.engine = engine_config::parse(url);
    bc.tables = {orders_table()};
    bc.max_batch = max_batch;
    return spawn_broker(sys, bc);
  }

  caf::expected<result_set> sql(const broker& db, std::string stmt,
                                std::vector<value> params = {}) {
    caf::expected<result_set> out{result_set{}};
    self->request(db, bound, sql_atom::value, std::move(stmt),
                  std::move(params))
        .receive([&](result_set& rs) { out = std::move(rs); },
                 [&](caf::error& err) { out = std::move(err); });
    return out;
  }

  /// Whether `db` answers a trivial read within `bound`; says why not when
  /// it does not. A broker with a short run_timeout may answer its first
  /// requests with timeout while a loaded machine is still starting it (its
  /// connections, its tables): those are tried again.
  bool serves(const broker& db) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    for (;;) {
      auto rs = sql(db, "SELECT 1");
      if (rs)
        return true;
      CAF_MESSAGE("SELECT 1 failed: " << sys.render(rs.error()));
      if (!is(rs.error(), errc::timeout) ||
          std::chrono::steady_clock::now() > deadline)
        return false;
    }
  }

  std::int64_t count(const broker& db, const std::string& table) {
    auto rs = sql(db, "SELECT count(*) FROM " + table);
    CAF_REQUIRE(rs);
    return rs->rows.at(0).at(0).as_integer();
  }

  /// A broker whose four read connections run into runaway reads: a short
  /// run_timeout so the test sees it pass; a pool_timeout a loaded machine's
  /// start cannot outlast (4 s did once, under the sanitizers), yet shorter
  /// than a runaway, so a connection not given back still fails a read.
  broker start_for_runaways() {
    broker_config bc;
    auto sep = url.find('?') == std::string::npos ? "?" : "&";
    bc.engine = engine_config::parse(url + sep + backend::runaway_options +
                                     "&run_timeout=2&pool_timeout=20");
    return spawn_broker(sys, bc);
  }

  /// Seconds since `t0`.
  static double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
        .count();
  }

  /// Waits (bounded) until `n` jobs run or `n` connections are lent.
  bool await_busy(const broker& db, std::uint64_t n) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < deadline) {
      broker_status st;
      self->request(db, bound, status_atom::value)
          .receive([&](broker_status& x) { st = x; }, [](caf::error&) {});
      if (st.queue.running >= n || st.queue.leased >= n)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  /// A broker on one connection: work queued behind a running job waits
  /// for it and then runs as one batch.
  broker start_one_connection() {
    broker_config bc;
    bc.engine = engine_config::parse(url);
    bc.engine->set_option("pool-size", "1");
    bc.engine->set_option("max-overflow", "0");
    bc.tables = {orders_table()};
    auto db = spawn_broker(sys, bc);
    CAF_REQUIRE_EQUAL(count(db, "orders"), 0); // running: nothing held back
    return db;
  }

  /// Queues eight jobs behind a blocker, so they commit as one batch: the
  /// fourth runs `bad` after inserting a row of its own, the other seven
  /// insert one row each and answer their number. Checks that the seven
  /// are answered so and committed once, and that the fourth's row is
  /// gone; returns the fourth's error.
  template <class Bad>
  caf::error batch_with(const broker& db, const std::string& round, Bad bad) {
    std::promise<void> release;
    auto released = release.get_future().share();
    auto blocker = self->request(
        db, bound, transact_atom::value,
        job_ptr{make_job(access_mode::write,
                         [released](transaction_scope&) {
                           if (released.wait_for(bound) !=
                               std::future_status::ready)
                             throw std::runtime_error("never released");
                         })},
        niceness(0));
    constexpr int bad_one = 3;
    using good_fn = std::function<int(transaction_scope&)>;
    std::vector<std::shared_ptr<closure_job<good_fn>>> goods;
    std::vector<decltype(blocker)> pending;
    for (int i = 0; i < 8; ++i) {
      auto customer = round + "-" + std::to_string(i);
      job_ptr work;
      if (i == bad_one) {
        work = make_job(access_mode::write, [customer, bad](transaction_scope& c) {
          c.execute("INSERT INTO orders (customer, amount) VALUES (?, 1)",
                    {customer});
          bad(c);
        });
      } else {
        good_fn fn = [customer, i](transaction_scope& c) {
          c.execute("INSERT INTO orders (customer, amount) VALUES (?, ?)",
                    {customer, i});
          return i;
        };
        goods.push_back(make_job(access_mode::write, std::move(fn)));
        work = goods.back();
      }
      pending.push_back(self->request(db, bound, transact_atom::value,
                                      std::move(work), niceness(0)));
    }
    broker_status before;
    self->request(db, bound, status_atom::value)
        .receive([&](broker_status& x) { before = x; }, [](caf::error&) {});
    CAF_CHECK_EQUAL(before.queue.waiting, 8u);
    release.set_value();
    blocker.receive([] {}, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    caf::error bad_error;
    std::size_t next_good = 0;
    caf::error good_error;
    for (int i = 0; i < 8; ++i) {
      auto& answered = i == bad_one ? bad_error : good_error;
      pending[static_cast<std::size_t>(i)].receive(
          [&] {
            if (i != bad_one)
              CAF_CHECK_EQUAL(goods[next_good]->take(), i);
          },
          [&](caf::error& e) {
            if (i != bad_one)
              CAF_ERROR(round << ": job " << i << " failed: " << sys.render(e));
            answered = e;
          });
      if (i != bad_one)
        ++next_good;
    }
    broker_status after;
    self->request(db, bound, status_atom::value)
        .receive([&](broker_status& x) { after = x; }, [](caf::error&) {});
    CAF_CHECK_EQUAL(after.queue.batches, before.queue.batches + 1);
    auto rows = sql(db,
                    "SELECT customer FROM orders WHERE customer LIKE ? "
                    "ORDER BY customer",
                    {round + "-%"});
    CAF_REQUIRE(rows);
    std::vector<std::string> committed;
    for (auto& r : rows->rows)
      committed.push_back(r.at(0).as_text());
    std::vector<std::string> expected;
    for (int i = 0; i < 8; ++i)
      if (i != bad_one)
        expected.push_back(round + "-" + std::to_string(i));
    CAF_CHECK_EQUAL(committed, expected);
    return bad_error;
  }

  bool shutdown(const broker& db) {
    bool ok = false;
    self->request(db, bound, shutdown_atom::value)
        .receive([&] { ok = true; }, [](caf::error&) {});
    return ok;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(broker_backend_tests, fixture)

CAF_TEST(tables_and_indexes_are_created_once_and_reused_across_a_restart) {
  auto db = start();
  CAF_REQUIRE(sql(db, "INSERT INTO orders (customer, amount) VALUES (?, ?)",
                  {"ada", 12.5}));
  CAF_REQUIRE(shutdown(db));
  auto again = start();
  CAF_CHECK_EQUAL(count(again, "orders"), 1);
  auto idx = sql(again, backend::index_query);
  CAF_REQUIRE(idx);
  CAF_REQUIRE_EQUAL(idx->rows.size(), 2u);
  CAF_CHECK_EQUAL(idx->rows[0][0].as_text(), "orders_by_customer");
  CAF_CHECK_EQUAL(idx->rows[1][0].as_text(), "orders_unique_pair");
  auto dup = sql(again, "INSERT INTO orders (customer, amount) VALUES (?, ?)",
                 {"ada", 12.5});
  CAF_REQUIRE(!dup);
  CAF_CHECK(is(dup.error(), errc::database_error));
  CAF_CHECK(shutdown(again));
}

CAF_TEST(failing_transaction_rolls_back_and_later_ones_still_run) {
  auto db = start();
  auto failed = transact(self, db, [](transaction_scope& c) {
    c.execute("INSERT INTO orders (customer, amount) VALUES ('bob', 1)");
    c.execute("INSERT INTO orders (no_such_column) VALUES (1)");
  });
  CAF_REQUIRE(!failed);
  CAF_CHECK(is(failed.error(), errc::database_error));
  auto ok = transact(self, db, [](transaction_scope& c) {
    return c.execute("INSERT INTO orders (customer, amount) VALUES ('eve', 2)")
        .rows_affected;
  });
  CAF_REQUIRE(ok);
  CAF_CHECK_EQUAL(*ok, 1);
  auto names = sql(db, "SELECT customer FROM orders");
  CAF_REQUIRE(names);
  CAF_REQUIRE_EQUAL(names->rows.size(), 1u);
  CAF_CHECK_EQUAL(names->rows[0][0].as_text(), "eve");
  CAF_CHECK(shutdown(db));
}

CAF_TEST(shutdown_with_1000_queued_transactions_completes_them_all) {
  auto db = start();
  using handle = decltype(self->request(db, bound, transact_atom::value,
                                        job_ptr{}, niceness(0)));
  std::vector<handle> pending;
  for (int i = 0; i < 1000; ++i) {
    auto work = make_job(access_mode::write, [i](transaction_scope& c) {
      c.execute("INSERT INTO orders (customer, amount) VALUES (?, ?)",
                {"c" + std::to_string(i), i});
    });
    pending.emplace_back(self->request(db, bound, transact_atom::value,
                                       job_ptr{work}, niceness(i % 41 - 20)));
  }
  auto stopping = self->request(db, bound, shutdown_atom::value);
  int ok = 0;
  int failed = 0;
  for (auto& p : pending)
    p.receive([&] { ++ok; }, [&](caf::error&) { ++failed; });
  bool stopped = false;
  stopping.receive([&] { stopped = true; }, [](caf::error&) {});
  CAF_CHECK_EQUAL(ok, 1000);
  CAF_CHECK_EQUAL(failed, 0);
  CAF_CHECK(stopped);
  // A new broker on the same file sees every acknowledged row.
  auto again = start();
  CAF_CHECK_EQUAL(count(again, "orders"), 1000);
  CAF_CHECK(shutdown(again));
}

CAF_TEST(queued_writes_commit_together_in_fewer_transactions) {
  auto db = start(64);
  std::vector<decltype(self->request(db, bound, transact_atom::value, job_ptr{},
                                     niceness(0)))>
      pending;
  for (int i = 0; i < 256; ++i)
    pending.emplace_back(self->request(
        db, bound, transact_atom::value,
        job_ptr{make_job(access_mode::write,
                         [i](transaction_scope& c) {
                           c.execute("INSERT INTO orders (customer, amount) "
                                     "VALUES (?, ?)",
                                     {"g" + std::to_string(i), 1.0});
                         })},
        niceness(0)));
  int ok = 0;
  for (auto& p : pending)
    p.receive([&] { ++ok; }, [](caf::error&) {});
  CAF_CHECK_EQUAL(ok, 256);
  broker_status st;
  self->request(db, bound, status_atom::value)
      .receive([&](broker_status& x) { st = x; }, [](caf::error&) {});
  CAF_MESSAGE("256 writes ran in " << st.queue.batches << " transactions");
  CAF_CHECK_LESS(st.queue.batches, 256u);
  CAF_CHECK_EQUAL(count(db, "orders"), 256);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(reads_run_while_a_long_write_holds_the_writer) {
  // A query that starts with WITH only reads too, as the CLI judges it.
  for (std::string read : {"SELECT count(*) FROM orders",
                           "WITH x AS (SELECT count(*) AS n FROM orders) "
                           "SELECT n FROM x"}) {
    CAF_MESSAGE(read);
    auto db = start();
    CAF_REQUIRE(sql(db, "DELETE FROM orders"));
    CAF_REQUIRE(
        sql(db, "INSERT INTO orders (customer, amount) VALUES ('r', 1)"));
    std::promise<void> read_done;
    auto read_seen = read_done.get_future();
    // The write waits (bounded) for the read to finish: it can only succeed
    // if the read did not queue behind it.
    auto writer = self->request(
        db, bound, transact_atom::value,
        job_ptr{make_job(access_mode::write,
                         [&read_seen](transaction_scope& c) {
                           c.execute("INSERT INTO orders (customer, amount) "
                                     "VALUES ('w', 2)");
                           if (read_seen.wait_for(bound) !=
                               std::future_status::ready)
                             throw std::runtime_error("read never ran");
                         })},
        niceness(0));
    auto rs = sql(db, read);
    read_done.set_value(); // answered or not: the write need wait no more
    bool wrote = false;
    writer.receive([&] { wrote = true; },
                   [&](caf::error& e) { CAF_ERROR(sys.render(e)); });
    CAF_REQUIRE(rs);
    CAF_CHECK_EQUAL(rs->rows[0][0].as_integer(), 1); // the write is not visible
    CAF_CHECK(wrote);
    CAF_CHECK_EQUAL(count(db, "orders"), 2);
    CAF_CHECK(shutdown(db));
  }
}

CAF_TEST(an_unreachable_database_answers_with_a_clear_error) {
  broker_config bc;
  bc.engine = engine_config::parse(backend::unreachable_url);
  auto db = spawn_broker(sys, bc);
  auto rs = sql(db, "SELECT 1");
  CAF_REQUIRE(!rs);
  CAF_CHECK(is(rs.error(), backend::unreachable_errc));
  CAF_CHECK_NOT_EQUAL(sys.render(rs.error()).find(backend::unreachable_part),
                      std::string::npos);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(runaway_reads_are_interrupted_at_run_timeout_and_serve_again) {
  auto db = start_for_runaways();
  CAF_REQUIRE(serves(db));
  constexpr double run_timeout = 2.0;
  // Four statements that never end by themselves, one per read connection.
  auto t0 = std::chrono::steady_clock::now();
  std::vector<decltype(self->request(db, bound, sql_atom::value, std::string{},
                                     std::vector<value>{}))>
      runaways;
  for (int i = 0; i < 4; ++i)
    runaways.emplace_back(self->request(db, bound, sql_atom::value,
                                        std::string{backend::runaway_read},
                                        std::vector<value>{}));
  double latest = 0;
  for (auto& r : runaways) {
    caf::error err;
    r.receive([](result_set&) {}, [&](caf::error& e) { err = e; });
    latest = seconds_since(t0);
    CAF_CHECK(is(err, errc::timeout));
    CAF_MESSAGE("runaway statement: " << sys.render(err));
  }
  CAF_MESSAGE("4 runaway statements answered " << latest - run_timeout
                                               << " s after run_timeout");
  // Their connections were given back: a read is served at once.
  auto t1 = std::chrono::steady_clock::now();
  auto after = sql(db, "SELECT 1");
  CAF_MESSAGE("the next read answered after " << seconds_since(t1) << " s");
  CAF_CHECK(after);
  if (!after)
    CAF_MESSAGE(sys.render(after.error()));
  // The same for cursors whose fetch runs away.
  std::vector<cursor_info> cursors;
  for (int i = 0; i < 4; ++i) {
    auto info = query(self, db, backend::runaway_query, {}, limit);
    CAF_REQUIRE(info);
    cursors.emplace_back(*info);
  }
  auto t2 = std::chrono::steady_clock::now();
  std::vector<decltype(self->request(cursors[0].rows, bound, fetch_atom::value,
                                     std::uint32_t{1}))>
      fetches;
  for (auto& c : cursors)
    fetches.emplace_back(
        self->request(c.rows, bound, fetch_atom::value, std::uint32_t{10}));
  for (auto& f : fetches) {
    caf::error err;
    f.receive([](row_batch&) {}, [&](caf::error& e) { err = e; });
    latest = seconds_since(t2);
    CAF_CHECK(is(err, errc::timeout));
  }
  CAF_MESSAGE("4 runaway fetches answered " << latest - run_timeout
                                            << " s after run_timeout");
  auto t3 = std::chrono::steady_clock::now();
  after = sql(db, "SELECT 1");
  CAF_MESSAGE("the next read answered after " << seconds_since(t3) << " s");
  CAF_CHECK(after);
  if (!after)
    CAF_MESSAGE(sys.render(after.error()));
  CAF_CHECK(shutdown(db));
}

CAF_TEST(shutdown_with_4_runaway_reads_ends_within_run_timeout) {
  auto db = start_for_runaways();
  CAF_REQUIRE(serves(db));
  std::vector<decltype(self->request(db, bound, sql_atom::value, std::string{},
                                     std::vector<value>{}))>
      runaways;
  for (int i = 0; i < 4; ++i)
    runaways.emplace_back(self->request(db, bound, sql_atom::value,
                                        std::string{backend::runaway_read},
                                        std::vector<value>{}));
  CAF_REQUIRE(await_busy(db, 4));
  auto t0 = std::chrono::steady_clock::now();
  caf::error stopped;
  bool answered = false;
  self->request(db, bound, shutdown_atom::value)
      .receive([&] { answered = true; },
               [&](caf::error& e) {
                 answered = true;
                 stopped = e;
               });
  auto waited = seconds_since(t0);
  CAF_MESSAGE("shutdown answered after " << waited << " s"
                                         << (stopped ? ": " : "")
                                         << (stopped ? sys.render(stopped)
                                                     : std::string{}));
  CAF_CHECK(answered);
  CAF_CHECK(!stopped); // every connection closed: nothing left behind
  for (auto& r : runaways)
    r.receive([](result_set&) {}, [&](caf::error& e) {
      CAF_CHECK(is(e, errc::timeout));
    });
}

// Every statement of `sql` runs inside the transaction sasync opens for it,
// on a connection other clients' work shares. Statements that would end
// that transaction, change the connection or attach files are refused, on
// every backend alike.
CAF_TEST(sql_refuses_statements_that_would_break_shared_connections) {
  auto db = start();
  auto file = std::filesystem::temp_directory_path() /
              ("sasync-attached-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(file);
  std::vector<std::string> refused{
      "COMMIT",
      "ROLLBACK",
      "BEGIN",
      "END",
      "SAVEPOINT mine",
      "RELEASE mine",
      "START TRANSACTION",
      "/* why not */ commit",
      "-- a comment first\n  RollBack",
      ";COMMIT",
      "PRAGMA query_only=1",
      "pragma query_only(1)",
      "ATTACH DATABASE '" + file.string() + "' AS other",
      "DETACH other",
      "VACUUM INTO '" + file.string() + "'",
      "SET default_transaction_read_only = on",
      "SET SESSION search_path = nowhere",
      "RESET ALL",
      "DISCARD ALL",
      "DEALLOCATE ALL",
      "LISTEN news",
      "LOCK TABLE orders",
      "SELECT set_config('search_path', 'nowhere', false)",
      "SELECT pg_advisory_lock(1)",
  };
  for (auto& stmt : refused) {
    auto rs = sql(db, stmt);
    if (rs)
      CAF_ERROR("accepted: " << stmt);
    else
      CAF_CHECK(is(rs.error(), errc::invalid_argument));
    if (!rs && !is(rs.error(), errc::invalid_argument))
      CAF_MESSAGE(stmt << ": " << sys.render(rs.error()));
  }
  CAF_CHECK(!std::filesystem::exists(file));
  std::filesystem::remove(file);
  // Every connection still writes and reads as before.
  for (int i = 0; i < 20; ++i)
    CAF_CHECK(sql(db, "INSERT INTO orders (customer, amount) VALUES (?, ?)",
                  {"after" + std::to_string(i), 1.0}));
  CAF_CHECK_EQUAL(count(db, "orders"), 20);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(one_clients_rollback_fails_no_other_clients_write) {
  auto db = start();
  using handle = decltype(self->request(db, bound, sql_atom::value,
                                        std::string{}, std::vector<value>{}));
  std::vector<handle> writes;
  std::vector<handle> rollbacks;
  for (int i = 0; i < 64; ++i) {
    writes.emplace_back(self->request(
        db, bound, sql_atom::value,
        std::string{"INSERT INTO orders (customer, amount) VALUES (?, ?)"},
        std::vector<value>{"w" + std::to_string(i), 1.0}));
    if (i % 16 == 8)
      rollbacks.emplace_back(self->request(db, bound, sql_atom::value,
                                           std::string{"ROLLBACK"},
                                           std::vector<value>{}));
  }
  int ok = 0;
  for (auto& w : writes)
    w.receive([&](result_set&) { ++ok; },
              [&](caf::error& e) { CAF_MESSAGE(sys.render(e)); });
  int refused = 0;
  for (auto& r : rollbacks)
    r.receive([](result_set&) {},
              [&](caf::error& e) {
                refused += is(e, errc::invalid_argument) ? 1 : 0;
              });
  CAF_CHECK_EQUAL(ok, 64);
  CAF_CHECK_EQUAL(refused, 4);
  CAF_CHECK_EQUAL(count(db, "orders"), 64);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(sql_refuses_more_than_one_statement) {
  auto db = start();
  auto two = sql(db, "INSERT INTO orders (customer, amount) VALUES ('x', 1); "
                     "DROP TABLE orders");
  CAF_CHECK(!two);
  if (!two)
    CAF_MESSAGE(sys.render(two.error()));
  CAF_CHECK_EQUAL(count(db, "orders"), 0); // neither statement ran
  caf::error cursor_error;
  self->request(db, bound, query_atom::value,
                std::string{"SELECT 1; DROP TABLE orders"},
                std::vector<value>{})
      .receive([](cursor_info&) {},
               [&](caf::error& e) { cursor_error = std::move(e); });
  CAF_CHECK(cursor_error);
  CAF_CHECK_EQUAL(count(db, "orders"), 0);
  // A closing semicolon, space and comments are no second statement.
  CAF_CHECK(sql(db, "INSERT INTO orders (customer, amount) VALUES ('y', 2); "
                    " -- done\n"));
  CAF_CHECK(sql(db, "SELECT 1; /* end */ "));
  CAF_CHECK_EQUAL(count(db, "orders"), 1);
  CAF_CHECK(shutdown(db));
}

// Text that PostgreSQL would cut at a NUL byte or refuse as not UTF-8, as
// a statement or a parameter, is refused on every backend (blobs carry any
// bytes).
CAF_TEST(text_a_backend_cannot_store_exactly_is_refused_on_every_backend) {
  auto db = start();
  std::string nul{"a\0b", 3};
  auto cut = sql(db, "SELECT ?", {nul});
  if (cut)
    CAF_MESSAGE("a text parameter of 3 bytes came back as "
                << cut->rows.at(0).at(0).as_text().size() << " bytes");
  CAF_CHECK(!cut && is(cut.error(), errc::invalid_argument));
  auto insert = sql(db, "INSERT INTO orders (customer, amount) VALUES (?, 1)",
                    {std::string{"caf\xc3"}});
  CAF_CHECK(!insert && is(insert.error(), errc::invalid_argument));
  auto stmt = sql(db, std::string{"SELECT 1\0 DROP TABLE orders", 27});
  CAF_CHECK(!stmt && is(stmt.error(), errc::invalid_argument));
  CAF_CHECK_EQUAL(count(db, "orders"), 0);
  std::string utf8 = "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87 \xf0\x9f\x98\x80";
  CAF_REQUIRE(sql(db, "INSERT INTO orders (customer, amount) VALUES (?, 1)",
                  {utf8}));
  auto back = sql(db, "SELECT customer FROM orders");
  CAF_REQUIRE(back);
  CAF_CHECK_EQUAL(back->rows.at(0).at(0).as_text(), utf8);
  CAF_CHECK(shutdown(db));
}

// What a closure gets cannot end or nest its transaction by a call either.
template <class T, class = void> struct can_commit : std::false_type {};
template <class T>
struct can_commit<T, std::void_t<decltype(std::declval<T&>().commit())>>
    : std::true_type {};
template <class T, class = void> struct can_roll_back : std::false_type {};
template <class T>
struct can_roll_back<T, std::void_t<decltype(std::declval<T&>().rollback())>>
    : std::true_type {};
template <class T, class = void> struct can_set_savepoint : std::false_type {};
template <class T>
struct can_set_savepoint<
    T, std::void_t<decltype(std::declval<T&>().savepoint(std::string{}))>>
    : std::true_type {};
static_assert(can_commit<connection>::value && can_roll_back<connection>::value
              && can_set_savepoint<connection>::value);
static_assert(!can_commit<transaction_scope>::value &&
              !can_roll_back<transaction_scope>::value &&
              !can_set_savepoint<transaction_scope>::value);

// A closure runs inside the batch's transaction, in a savepoint of its own:
// were it to end or nest that transaction, its neighbours' work would
// commit or vanish with it, and be reported wrongly.
CAF_TEST(a_closure_cannot_end_or_nest_the_transaction_its_batch_shares) {
  auto db = start_one_connection();
  std::vector<std::string> spellings{
      "COMMIT", "commit", "  \n\tCoMmIt ;", "/* a note */ COMMIT",
      "-- a note\nCOMMIT", "/* nested /* notes */ end here */ COMMIT",
      "COMMIT TRANSACTION", "COMMIT WORK", "END", "end transaction",
      "ROLLBACK", "ROLLBACK TRANSACTION", "ABORT",
      "ROLLBACK TO SAVEPOINT sasync_job", "ROLLBACK TO sasync_job", "BEGIN",
      "BEGIN IMMEDIATE", "START TRANSACTION", "SAVEPOINT inner_work",
      "RELEASE sasync_job", "RELEASE SAVEPOINT sasync_job",
      "PREPARE TRANSACTION 'sasync_scope'", "COMMIT PREPARED 'sasync_scope'",
      "ROLLBACK PREPARED 'sasync_scope'", "(COMMIT)"};
  int round = 0;
  for (auto& stmt : spellings) {
    for (auto script : {false, true}) {
      auto name = "r" + std::to_string(round++);
      auto err = batch_with(db, name, [stmt, script](transaction_scope& c) {
        if (script)
          c.execute_script("SELECT 1; " + stmt);
        else
          c.execute(stmt);
      });
      CAF_MESSAGE((script ? "in a script: " : "") << stmt << ": "
                                                  << sys.render(err));
      CAF_CHECK(is(err, errc::invalid_argument));
    }
  }
  CAF_CHECK(shutdown(db));
}

// sAsync's nested transaction: a closure that waits for another
// transaction on its broker would wait for the connection it holds.
CAF_TEST(transact_inside_a_closure_fails_at_once) {
  auto db = start_one_connection();
  auto nested = std::make_shared<caf::error>();
  auto took = std::make_shared<double>(0);
  auto err = batch_with(db, "nested", [this, db, nested, took](transaction_scope&) {
    caf::scoped_actor inner{sys};
    auto t0 = std::chrono::steady_clock::now();
    auto r = transact(
        inner, db, [](transaction_scope& c) { return c.execute("SELECT 1").rows; },
        {niceness(0), access_mode::write, caf::duration{std::chrono::seconds(5)}});
    *took = seconds_since(t0);
    if (!r) {
      *nested = r.error();
      throw std::runtime_error("the nested transaction failed");
    }
  });
  CAF_MESSAGE("nested transact answered in " << *took << " s: "
                                             << sys.render(*nested));
  CAF_CHECK(is(*nested, errc::invalid_argument));
  CAF_CHECK(is(err, errc::transaction_error));
  CAF_CHECK(shutdown(db));
}

CAF_TEST_FIXTURE_SCOPE_END()
