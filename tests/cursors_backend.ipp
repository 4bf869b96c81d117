// Cursors, bulk inserts and named statements on a real backend with real
// threads: connection actors are detached, every wait is bounded. Included
// by one suite per backend, each defining `struct backend` (url(),
// failing_query(): rows 1..1000 whose row 500 fails at run time) and
// CAF_SUITE first.

#include "sasync/actors/broker.hpp"
#include "sasync/actors/client.hpp"

#include "sasync/actors/errc.hpp"
#include "sasync/actors/system_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

using namespace sasync;
using namespace std::chrono_literals;

namespace {

/// Every wait in this suite gives up after this long instead of hanging.
constexpr auto bound = std::chrono::seconds(30);
const caf::duration limit{bound};

/// What a consumer saw, shared with the test thread.
struct consumer_log {
  std::mutex mtx;
  std::condition_variable changed;
  std::vector<row_batch> batches;
  caf::error error;
  bool ended = false;
  /// A batch larger than the credit outstanding when it arrived.
  bool over_credit = false;
};

struct consumer_config {
  std::shared_ptr<consumer_log> log;
  /// Credit granted after each batch, as much as the batch took (0: none).
  bool regrant = true;
  /// Quits after the first batch, without cancelling.
  bool die_early = false;
  std::uint64_t credit = 0;
};

struct consumer_state {
  consumer_config cfg;
  std::uint64_t outstanding = 0;
};

row_consumer::behavior_type
consumer_impl(row_consumer::stateful_pointer<consumer_state> self,
              consumer_config cfg) {
  self->state.cfg = std::move(cfg);
  self->state.outstanding = self->state.cfg.credit;
  return {
      [=](rows_atom, const cursor& source, row_batch& batch) {
        auto& st = self->state;
        auto n = batch.rows.size();
        {
          std::lock_guard<std::mutex> guard{st.cfg.log->mtx};
          if (n > st.outstanding)
            st.cfg.log->over_credit = true;
          st.cfg.log->ended = batch.done;
          st.cfg.log->batches.emplace_back(std::move(batch));
        }
        st.cfg.log->changed.notify_all();
        st.outstanding -= std::min<std::uint64_t>(n, st.outstanding);
        if (st.cfg.die_early)
          return self->quit();
        if (st.cfg.regrant && n > 0) {
          st.outstanding += n;
          self->send(source, credit_atom::value, static_cast<std::uint32_t>(n));
        }
      },
      [=](rows_atom, const cursor&, caf::error& err) {
        std::lock_guard<std::mutex> guard{self->state.cfg.log->mtx};
        self->state.cfg.log->error = std::move(err);
        self->state.cfg.log->ended = true;
        self->state.cfg.log->changed.notify_all();
      },
  };
}

struct fixture {
  backend where;
  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  /// A broker; `pool_size` > 0 fixes the pool (no overflow) and
  /// `pool_timeout` how long work waits for a connection.
  broker start(std::size_t pool_size = 0, std::string pool_timeout = {},
               std::chrono::milliseconds cursor_idle = 60s) {
    broker_config bc;
    bc.engine = engine_config::parse(where.url());
    if (pool_size > 0) {
      bc.engine->set_option("pool-size", std::to_string(pool_size));
      bc.engine->set_option("max-overflow", "0");
    }
    if (!pool_timeout.empty())
      bc.engine->set_option("pool-timeout", pool_timeout);
    bc.cursor_idle_timeout = cursor_idle;
    bc.tables.push_back(
        table_def{"cursor_rows",
                  {{"id", column_type::integer, false, true, true},
                   {"name", column_type::text, false},
                   {"score", column_type::real}},
                  {{"by_name", {"name"}, true}}});
    return spawn_broker(sys, bc);
  }

  template <class T> T require(caf::expected<T> x) {
    if (!x)
      CAF_FAIL(sys.render(x.error()));
    return std::move(*x);
  }

  void require(caf::expected<void> x) {
    if (!x)
      CAF_FAIL(sys.render(x.error()));
  }

  template <class T> caf::error error_of(const caf::expected<T>& x) {
    CAF_REQUIRE(!x);
    return x.error();
  }

  bool shutdown(const broker& db) {
    caf::error err;
    self->request(db, bound, shutdown_atom::value)
        .receive([] {}, [&](caf::error& e) { err = std::move(e); });
    if (err)
      CAF_MESSAGE("shutdown: " << sys.render(err));
    return !err;
  }

  caf::expected<result_set> sql(const broker& db, std::string stmt,
                                std::vector<value> params = {}) {
    return detail::ask<result_set>(self, db, limit, sql_atom::value,
                                   std::move(stmt), std::move(params));
  }

  /// Inserts rows named row-1 .. row-n with the bulk insert; their keys.
  std::vector<value> fill(const broker& db, std::size_t n,
                          std::uint32_t batch = 1000) {
    auto inserter = require(insert_into(
        self, db, insert_spec{"cursor_rows", {"name", "score"}, "id", batch},
        limit));
    std::vector<value> keys;
    std::size_t i = 0;
    auto next = [&]() -> std::optional<row> {
      if (i == n)
        return std::nullopt;
      ++i;
      return row{"row-" + std::to_string(i), static_cast<double>(i) / 2};
    };
    insert_callbacks cb;
    cb.on_keys = [&](std::vector<value>& ks) {
      keys.insert(keys.end(), ks.begin(), ks.end());
    };
    CAF_REQUIRE_EQUAL(
        require(insert_rows(self, inserter, batch, next, cb, limit)), n);
    return keys;
  }

  std::uint64_t leased(const broker& db) {
    auto st = require(
        detail::ask<broker_status>(self, db, limit, status_atom::value));
    return st.queue.leased;
  }

  /// Waits (bounded) until `pred` holds for the consumer's log.
  template <class Pred>
  bool await(const std::shared_ptr<consumer_log>& log, Pred pred) {
    std::unique_lock<std::mutex> guard{log->mtx};
    return log->changed.wait_for(guard, bound, [&] { return pred(*log); });
  }

  row_consumer consumer(consumer_config cc) {
    return sys.spawn(consumer_impl, std::move(cc));
  }

  cursor_info push_query(const broker& db, std::string stmt,
                         std::vector<value> params, const row_consumer& to,
                         std::uint32_t credit) {
    return require(detail::ask<cursor_info>(self, db, limit, query_atom::value,
                                            std::move(stmt), std::move(params),
                                            to, credit));
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cursor_backend_tests, fixture)

CAF_TEST(rows_come_in_batches_no_larger_than_asked_for) {
  auto db = start();
  fill(db, 2500);
  auto info = require(query(self, db,
                            "SELECT id, name FROM cursor_rows WHERE id > ? "
                            "ORDER BY id",
                            {0}, limit));
  CAF_REQUIRE_EQUAL(info.columns.size(), 2u);
  CAF_CHECK_EQUAL(info.columns[0], "id");
  CAF_CHECK_EQUAL(info.columns[1], "name");
  std::vector<std::size_t> sizes;
  std::size_t seen = 0;
  for (;;) {
    auto batch = require(fetch(self, info.rows, 1000, limit));
    sizes.push_back(batch.rows.size());
    for (auto& r : batch.rows) {
      ++seen;
      CAF_CHECK_EQUAL(r.at(1).as_text(), "row-" + std::to_string(seen));
    }
    if (batch.done)
      break;
    CAF_REQUIRE_LESS(sizes.size(), 10u);
  }
  CAF_CHECK_EQUAL(seen, 2500u);
  CAF_CHECK_EQUAL(sizes[0], 1000u);
  CAF_CHECK_EQUAL(sizes[1], 1000u);
  CAF_CHECK_EQUAL(sizes[2], 500u);
  // After the end the cursor is gone, and says so.
  auto after = fetch(self, info.rows, 10, limit);
  CAF_CHECK(is(error_of(after), errc::invalid_argument));
  CAF_CHECK_EQUAL(leased(db), 0u);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(an_empty_result_is_one_last_batch) {
  auto db = start();
  auto info = require(query(self, db, "SELECT id FROM cursor_rows", {}, limit));
  CAF_CHECK_EQUAL(info.columns.size(), 1u);
  auto batch = require(fetch(self, info.rows, 100, limit));
  CAF_CHECK(batch.done);
  CAF_CHECK(batch.rows.empty());
  // Pushed, it is one empty batch marked done.
  auto log = std::make_shared<consumer_log>();
  auto to = consumer({log, true, false, 50});
  push_query(db, "SELECT id FROM cursor_rows", {}, to, 50);
  CAF_REQUIRE(await(log, [](auto& l) { return l.ended; }));
  CAF_REQUIRE_EQUAL(log->batches.size(), 1u);
  CAF_CHECK(log->batches[0].done && log->batches[0].rows.empty());
  CAF_CHECK(!log->error);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(a_consumer_never_gets_more_rows_than_its_credit) {
  auto db = start();
  fill(db, 3000);
  auto log = std::make_shared<consumer_log>();
  auto to = consumer({log, true, false, 70});
  push_query(db, "SELECT id, name, score FROM cursor_rows ORDER BY id", {}, to,
             70);
  CAF_REQUIRE(await(log, [](auto& l) { return l.ended; }));
  CAF_CHECK(!log->error);
  CAF_CHECK(!log->over_credit);
  std::size_t total = 0;
  for (auto& b : log->batches) {
    CAF_CHECK_LESS_OR_EQUAL(b.rows.size(), 70u);
    for (auto& r : b.rows)
      CAF_CHECK_EQUAL(r.at(0).as_integer(), static_cast<std::int64_t>(++total));
  }
  CAF_CHECK_EQUAL(total, 3000u);
  CAF_CHECK(log->batches.back().done);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(cancel_gives_the_connection_to_a_later_transaction) {
  // One connection serves reads: while the cursor holds it, a read cannot
  // run (and times out); after cancel it runs.
  auto db = start(where.one_reader_pool(), "0.5");
  fill(db, 200);
  auto info = require(query(self, db, "SELECT id FROM cursor_rows", {}, limit));
  CAF_CHECK_EQUAL(require(fetch(self, info.rows, 10, limit)).rows.size(), 10u);
  CAF_CHECK_EQUAL(leased(db), 1u);
  auto blocked = sql(db, "SELECT count(*) FROM cursor_rows");
  CAF_CHECK(is(error_of(blocked), errc::timeout));
  require(detail::ask<void>(self, info.rows, limit, cancel_atom::value));
  auto count = require(sql(db, "SELECT count(*) FROM cursor_rows"));
  CAF_CHECK_EQUAL(count.rows.at(0).at(0).as_integer(), 200);
  CAF_CHECK_EQUAL(leased(db), 0u);
  // A cancelled cursor says so.
  auto late = fetch(self, info.rows, 10, limit);
  CAF_CHECK(is(error_of(late), errc::invalid_argument));
  CAF_CHECK(shutdown(db));
}

CAF_TEST(a_consumer_that_dies_mid_stream_frees_the_connection) {
  auto db = start(where.one_reader_pool(), "10");
  fill(db, 500);
  auto log = std::make_shared<consumer_log>();
  consumer_config cc{log, false, true, 10};
  auto info =
      push_query(db, "SELECT id FROM cursor_rows", {}, consumer(cc), 10);
  CAF_REQUIRE(await(log, [](auto& l) { return !l.batches.empty(); }));
  // The only reader comes back once the cursor saw its consumer go.
  auto count = require(sql(db, "SELECT count(*) FROM cursor_rows"));
  CAF_CHECK_EQUAL(count.rows.at(0).at(0).as_integer(), 500);
  CAF_CHECK_EQUAL(leased(db), 0u);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(an_idle_cursor_gives_its_connection_back) {
  auto db = start(where.one_reader_pool(), "10", 200ms);
  fill(db, 50);
  auto info = require(query(self, db, "SELECT id FROM cursor_rows", {}, limit));
  // Nobody fetches: after 200 ms the read below gets the connection.
  auto count = require(sql(db, "SELECT count(*) FROM cursor_rows"));
  CAF_CHECK_EQUAL(count.rows.at(0).at(0).as_integer(), 50);
  auto late = fetch(self, info.rows, 10, limit);
  CAF_CHECK(is(error_of(late), errc::invalid_argument));
  // A consumer with no credit left is idle too, and hears why it ended.
  auto log = std::make_shared<consumer_log>();
  push_query(db, "SELECT id FROM cursor_rows", {},
             consumer({log, false, false, 10}), 10);
  CAF_REQUIRE(await(log, [](auto& l) { return l.ended; }));
  CAF_CHECK(is(log->error, errc::timeout));
  CAF_CHECK_EQUAL(log->batches.size(), 1u);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(an_error_in_a_later_row_reaches_the_consumer) {
  auto db = start();
  // Pulled: the fetch that reaches row 500 fails.
  auto info = require(query(self, db, where.failing_query(), {}, limit));
  caf::error failure;
  std::size_t rows = 0;
  for (int i = 0; i < 20 && !failure; ++i) {
    auto batch = fetch(self, info.rows, 100, limit);
    if (!batch)
      failure = batch.error();
    else
      rows += batch->rows.size();
  }
  CAF_CHECK(is(failure, errc::database_error) ||
            is(failure, errc::invalid_argument));
  CAF_CHECK_LESS(rows, 500u);
  CAF_MESSAGE("pulled: " << sys.render(failure));
  // Pushed: the consumer gets the error after the rows before it.
  auto log = std::make_shared<consumer_log>();
  push_query(db, where.failing_query(), {}, consumer({log, true, false, 100}),
             100);
  CAF_REQUIRE(await(log, [](auto& l) { return l.ended; }));
  CAF_CHECK(log->error);
  CAF_MESSAGE("pushed: " << sys.render(log->error));
  // Neither cursor kept its connection.
  CAF_CHECK_EQUAL(require(sql(db, "SELECT 1")).rows.size(), 1u);
  CAF_CHECK_EQUAL(leased(db), 0u);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(a_malformed_query_fails_and_keeps_no_connection) {
  // A connection kept by a failed query would make the last statement wait
  // out pool_timeout and fail; 2 s was too short for a loaded machine.
  auto db = start(where.one_reader_pool(), "10");
  auto bad = query(self, db, "SELECT id FROM cursor_rows WHERE", {}, limit);
  CAF_CHECK(is(error_of(bad), errc::database_error));
  auto wrong_params =
      query(self, db, "SELECT id FROM cursor_rows WHERE id = ?", {1, 2}, limit);
  CAF_CHECK(is(error_of(wrong_params), errc::invalid_argument));
  auto zero = require(query(self, db, "SELECT id FROM cursor_rows", {}, limit));
  CAF_CHECK(
      is(error_of(fetch(self, zero.rows, 0, limit)), errc::invalid_argument));
  require(detail::ask<void>(self, zero.rows, limit, cancel_atom::value));
  CAF_CHECK_EQUAL(require(sql(db, "SELECT 1")).rows.size(), 1u);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(a_query_that_writes_is_refused_and_changes_nothing) {
  // A cursor's transaction never commits: a write streamed through it would
  // be answered with rows and then rolled back without a word.
  auto db = start(where.one_reader_pool(), "10");
  fill(db, 3);
  for (auto stmt : {"DELETE FROM cursor_rows RETURNING id",
                    "UPDATE cursor_rows SET score = 0 RETURNING id",
                    "WITH gone AS (DELETE FROM cursor_rows RETURNING id) "
                    "SELECT id FROM gone"}) {
    auto refused = query(self, db, stmt, {}, limit);
    CAF_CHECK(is(error_of(refused), errc::invalid_argument));
    if (!refused)
      CAF_MESSAGE(sys.render(refused.error()));
  }
  auto named = detail::ask<cursor_info>(
      self, db, limit, query_atom::value,
      std::string{"DELETE FROM cursor_rows WHERE id = :id"},
      named_values{{"id", value{1}}});
  CAF_CHECK(is(error_of(named), errc::invalid_argument));
  auto left = require(sql(db, "SELECT count(*) FROM cursor_rows"));
  CAF_CHECK_EQUAL(left.rows.at(0).at(0).as_integer(), 3);
  CAF_CHECK_EQUAL(leased(db), 0u);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(two_cursors_and_transactions_run_side_by_side) {
  auto db = start(3, "5");
  fill(db, 1000);
  auto a = require(
      query(self, db, "SELECT id FROM cursor_rows ORDER BY id", {}, limit));
  auto b = require(query(
      self, db, "SELECT id FROM cursor_rows ORDER BY id DESC", {}, limit));
  std::int64_t next_a = 1;
  std::int64_t next_b = 1000;
  bool done_a = false;
  bool done_b = false;
  while (!done_a || !done_b) {
    if (!done_a) {
      auto x = require(fetch(self, a.rows, 64, limit));
      for (auto& r : x.rows)
        CAF_CHECK_EQUAL(r.at(0).as_integer(), next_a++);
      done_a = x.done;
    }
    if (!done_b) {
      auto y = require(fetch(self, b.rows, 100, limit));
      for (auto& r : y.rows)
        CAF_CHECK_EQUAL(r.at(0).as_integer(), next_b--);
      done_b = y.done;
    }
    // Writes keep running while both cursors are open; the cursors keep
    // the snapshot they started with.
    require(sql(db, "INSERT INTO cursor_rows (name) VALUES (?)",
                {"extra-" + std::to_string(next_a)}));
  }
  CAF_CHECK_EQUAL(next_a, 1001);
  CAF_CHECK_EQUAL(next_b, 0);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(shutdown_ends_open_cursors_with_shutting_down) {
  auto db = start();
  fill(db, 100);
  auto log = std::make_shared<consumer_log>();
  push_query(db, "SELECT id FROM cursor_rows", {},
             consumer({log, false, false, 10}), 10);
  CAF_REQUIRE(await(log, [](auto& l) { return !l.batches.empty(); }));
  auto pulled =
      require(query(self, db, "SELECT id FROM cursor_rows", {}, limit));
  CAF_CHECK(shutdown(db));
  CAF_REQUIRE(await(log, [](auto& l) { return l.ended; }));
  CAF_CHECK(is(log->error, errc::shutting_down));
  // The pulled cursor had no fetch waiting: it is simply gone.
  CAF_CHECK(is(error_of(fetch(self, pulled.rows, 10, limit)),
               errc::invalid_argument));
}

CAF_TEST(bulk_insert_keeps_input_order_and_answers_keys_in_it) {
  auto db = start();
  auto before =
      require(detail::ask<broker_status>(self, db, limit, status_atom::value));
  auto inserter = require(insert_into(
      self, db, insert_spec{"cursor_rows", {"name", "score"}, "id", 1000},
      limit));
  std::size_t i = 0;
  auto next = [&]() -> std::optional<row> {
    if (i == 10'000)
      return std::nullopt;
    ++i;
    // Names sort in another order than they arrive.
    return row{"n" + std::to_string((i * 7919) % 10'007), value{}};
  };
  std::vector<value> keys;
  std::vector<std::uint64_t> progress;
  insert_callbacks cb;
  cb.on_keys = [&](auto& ks) { keys.insert(keys.end(), ks.begin(), ks.end()); };
  cb.on_progress = [&](std::uint64_t n) { progress.push_back(n); };
  CAF_CHECK_EQUAL(require(insert_rows(self, inserter, 1000, next, cb, limit)),
                  10'000u);
  CAF_REQUIRE_EQUAL(keys.size(), 10'000u);
  for (std::size_t k = 1; k < keys.size(); ++k)
    CAF_CHECK_LESS(keys[k - 1].as_integer(), keys[k].as_integer());
  CAF_CHECK_EQUAL(progress.size(), 10u);
  CAF_CHECK_EQUAL(progress.back(), 10'000u);
  // Key order is input order.
  auto stored =
      require(sql(db, "SELECT id, name FROM cursor_rows ORDER BY id"));
  CAF_REQUIRE_EQUAL(stored.rows.size(), 10'000u);
  for (std::size_t k = 0; k < stored.rows.size(); ++k) {
    CAF_CHECK_EQUAL(stored.rows[k][0], keys[k]);
    CAF_CHECK_EQUAL(stored.rows[k][1].as_text(),
                    "n" + std::to_string(((k + 1) * 7919) % 10'007));
  }
  // As few transactions as the batch size allows: 10 for 10,000 rows.
  auto seen = require(detail::ask<insert_progress>(self, inserter, limit,
                                                   progress_atom::value));
  CAF_CHECK_EQUAL(seen.written, 10'000u);
  CAF_CHECK_EQUAL(seen.pending, 0u);
  CAF_CHECK_EQUAL(seen.transactions, 10u);
  auto after =
      require(detail::ask<broker_status>(self, db, limit, status_atom::value));
  CAF_CHECK_EQUAL(after.queue.batches - before.queue.batches, 10u + 1u);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(a_bulk_insert_of_100000_rows_commits_them_all_and_prints_its_rate) {
  auto db = start();
  auto start_time = std::chrono::steady_clock::now();
  auto keys = fill(db, 100'000);
  std::chrono::duration<double> took =
      std::chrono::steady_clock::now() - start_time;
  CAF_MESSAGE("bulk insert: 100000 rows in " << took.count() << " s, "
                                             << 100'000 / took.count()
                                             << " rows/s");
  CAF_REQUIRE_EQUAL(keys.size(), 100'000u);
  // Each key is its own row's: row-k got the k-th key.
  auto stored = require(sql(db, "SELECT id, name FROM cursor_rows WHERE id "
                                "IN (?, ?, ?) ORDER BY id",
                            {keys[0], keys[54'321], keys[99'999]}));
  CAF_REQUIRE_EQUAL(stored.rows.size(), 3u);
  CAF_CHECK_EQUAL(stored.rows[0][1].as_text(), "row-1");
  CAF_CHECK_EQUAL(stored.rows[1][1].as_text(), "row-54322");
  CAF_CHECK_EQUAL(stored.rows[2][1].as_text(), "row-100000");
  auto count = require(sql(db, "SELECT count(*) FROM cursor_rows"));
  CAF_CHECK_EQUAL(count.rows.at(0).at(0).as_integer(), 100'000);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(a_failing_write_fails_alone_and_a_long_one_says_what_committed) {
  auto db = start();
  auto inserter = require(insert_into(
      self, db, insert_spec{"cursor_rows", {"name"}, "id", 100}, limit));
  // Three small writes at once share a transaction; the duplicate name
  // fails its write only.
  auto a = self->request(inserter, limit, write_atom::value,
                         std::vector<row>{{"a1"}, {"a2"}});
  auto b = self->request(inserter, limit, write_atom::value,
                         std::vector<row>{{"b1"}, {"a1"}});
  auto c = self->request(inserter, limit, write_atom::value,
                         std::vector<row>{{"c1"}});
  std::vector<value> keys_a;
  std::vector<value> keys_c;
  caf::error err_b;
  a.receive([&](std::vector<value>& ks) { keys_a = ks; },
            [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  b.receive([&](std::vector<value>&) { CAF_FAIL("b should fail"); },
            [&](caf::error& e) { err_b = e; });
  c.receive([&](std::vector<value>& ks) { keys_c = ks; },
            [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK_EQUAL(keys_a.size(), 2u);
  CAF_CHECK_EQUAL(keys_c.size(), 1u);
  CAF_CHECK(is(err_b, errc::database_error));
  auto names = require(sql(db, "SELECT name FROM cursor_rows ORDER BY id"));
  CAF_REQUIRE_EQUAL(names.rows.size(), 3u);
  CAF_CHECK_EQUAL(names.rows[2][0].as_text(), "c1");
  // 250 rows in batches of 100; row 180 repeats a name: the first 100
  // commit, the write fails saying so.
  std::vector<row> long_write;
  for (int k = 0; k < 250; ++k)
    long_write.push_back(
        row{k == 180 ? std::string{"x5"} : "x" + std::to_string(k)});
  auto failed = detail::ask<std::vector<value>>(self, inserter, limit,
                                                write_atom::value, long_write);
  auto text = sys.render(error_of(failed));
  CAF_MESSAGE(text);
  CAF_CHECK_NOT_EQUAL(text.find("first 100 of 250 rows committed"),
                      std::string::npos);
  // Rows go in as multi-row statements; a refused one is run again row by
  // row, so the error is the refused row's own statement's.
  CAF_CHECK_NOT_EQUAL(text.find("(\"name\") VALUES (?) RETURNING"),
                      std::string::npos);
  auto seen = require(detail::ask<insert_progress>(self, inserter, limit,
                                                   progress_atom::value));
  CAF_CHECK_EQUAL(seen.written, 3u + 100u);
  CAF_CHECK_EQUAL(seen.pending, 0u);
  // Malformed input is refused whole.
  auto narrow = detail::ask<std::vector<value>>(
      self, inserter, limit, write_atom::value, std::vector<row>{{"ok"}, {}});
  CAF_CHECK(is(error_of(narrow), errc::invalid_argument));
  auto bad_spec = insert_into(
      self, db, insert_spec{"cursor rows", {"name"}, "id", 100}, limit);
  CAF_CHECK(is(error_of(bad_spec), errc::invalid_argument));
  auto no_batch =
      insert_into(self, db, insert_spec{"cursor_rows", {"name"}, "", 0}, limit);
  CAF_CHECK(is(error_of(no_batch), errc::invalid_argument));
  CAF_CHECK(shutdown(db));
}

CAF_TEST(a_first_write_is_bounded_like_later_ones) {
  auto db = start();
  auto inserter = require(insert_into(
      self, db, insert_spec{"cursor_rows", {"name"}, "id", 10}, limit));
  // Four batches of rows may wait; a first write of more is refused whole.
  auto rows_named = [](const std::string& prefix, int n) {
    std::vector<row> out;
    for (int k = 0; k < n; ++k)
      out.push_back(row{prefix + std::to_string(k)});
    return out;
  };
  auto too_long = detail::ask<std::vector<value>>(
      self, inserter, limit, write_atom::value, rows_named("big", 41));
  CAF_CHECK(is(error_of(too_long), errc::overloaded));
  if (too_long)
    CAF_MESSAGE("a first write of 41 rows was accepted");
  auto counted = require(sql(db, "SELECT count(*) FROM cursor_rows"));
  CAF_CHECK_EQUAL(counted.rows.at(0).at(0).as_integer(), 0);
  auto fits = detail::ask<std::vector<value>>(
      self, inserter, limit, write_atom::value, rows_named("fit", 40));
  CAF_CHECK(fits && fits->size() == 40u);
  auto seen = require(detail::ask<insert_progress>(self, inserter, limit,
                                                   progress_atom::value));
  CAF_CHECK_EQUAL(seen.written, 40u);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(a_named_statement_is_prepared_once_per_connection) {
  auto db = start(2, "5");
  fill(db, 10);
  auto by_name = std::string{"SELECT id FROM cursor_rows WHERE name = ?"};
  require(detail::ask<void>(self, db, limit, prepare_atom::value,
                            std::string{"by_name"}, by_name));
  // Naming it again the same way is fine; otherwise it is refused.
  require(detail::ask<void>(self, db, limit, prepare_atom::value,
                            std::string{"by_name"}, by_name));
  auto redefined =
      detail::ask<void>(self, db, limit, prepare_atom::value,
                        std::string{"by_name"}, std::string{"SELECT 1"});
  CAF_CHECK(is(error_of(redefined), errc::invalid_argument));
  auto unknown =
      detail::ask<result_set>(self, db, limit, execute_atom::value,
                              std::string{"nope"}, std::vector<value>{});
  CAF_CHECK(is(error_of(unknown), errc::missing));
  auto before =
      require(detail::ask<broker_status>(self, db, limit, status_atom::value));
  for (int k = 1; k <= 200; ++k) {
    auto res = require(detail::ask<result_set>(
        self, db, limit, execute_atom::value, std::string{"by_name"},
        std::vector<value>{"row-" + std::to_string(k % 10 + 1)}));
    CAF_REQUIRE_EQUAL(res.rows.size(), 1u);
  }
  auto after =
      require(detail::ask<broker_status>(self, db, limit, status_atom::value));
  auto prepared = after.queue.prepared - before.queue.prepared;
  CAF_MESSAGE("200 executions prepared " << prepared << " times on "
                                         << after.queue.connections
                                         << " connections");
  CAF_CHECK_GREATER_OR_EQUAL(prepared, 1u);
  CAF_CHECK_LESS_OR_EQUAL(prepared, after.queue.connections);
  CAF_CHECK(shutdown(db));
}

CAF_TEST_FIXTURE_SCOPE_END()
