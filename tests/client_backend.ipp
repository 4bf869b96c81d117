// The client helpers (client.hpp, client_node.hpp, client_rows.hpp) on a
// real backend with real threads, from scoped and event-based actors; every
// wait is bounded. Included by one suite per backend, each defining `struct
// backend` (url(), with the table client_readings dropped around each test)
// and CAF_SUITE first.

#include "sasync/actors/broker.hpp"
#include "sasync/actors/client.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/actors/transact.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

using namespace sasync;
using namespace std::chrono_literals;

// -- the README's typed row consumer, verbatim
// --------------------------------- (in an anonymous namespace only because two
// suites include this file)

namespace {

// A row as the program knows it.
struct reading {
  std::int64_t id = 0;
  std::string name;
  double score = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reading& x) {
  return f(caf::meta::type_name("reading"), x.id, x.name, x.score);
}

reading to_reading(const sasync::row& r) {
  return {r.at(0).as_integer(), r.at(1).as_text(), r.at(2).as_real()};
}

struct reader_state {
  std::vector<reading> seen;
};

// Keeps `credit` rows in flight: it grants each batch's rows back once it
// has handled them, so memory holds no more however large the result.
sasync::row_consumer::behavior_type
reader(sasync::row_consumer::stateful_pointer<reader_state> self,
       caf::actor report_to) {
  return {[=](sasync::rows_atom, const sasync::cursor& rows,
              sasync::row_batch& batch) {
            for (auto& r : batch.rows)
              self->state.seen.push_back(to_reading(r));
            if (batch.done) {
              caf::anon_send(report_to, std::move(self->state.seen));
              self->quit();
            } else {
              sasync::credit(self, rows,
                             static_cast<std::uint32_t>(batch.rows.size()));
            }
          },
          [=](sasync::rows_atom, const sasync::cursor&, caf::error& err) {
            caf::anon_send(report_to, std::move(err));
            self->quit();
          }};
}

// The query, from any scoped actor: the rows go to the reader, not here.
caf::expected<std::vector<reading>> read_all(caf::actor_system& sys,
                                             const sasync::node& db) {
  caf::scoped_actor self{sys};
  auto consumer = sys.spawn(reader, caf::actor{self});
  auto opened = sasync::query(self, db,
                              "SELECT id, name, score FROM client_readings "
                              "WHERE score >= ? ORDER BY id",
                              {0.0}, consumer, 100, 30s);
  if (!opened)
    return opened.error();
  caf::expected<std::vector<reading>> out{caf::sec::request_timeout};
  self->receive([&](std::vector<reading>& xs) { out = std::move(xs); },
                [&](caf::error& err) { out = std::move(err); },
                caf::after(std::chrono::seconds(30)) >> [] {});
  return out;
}

} // namespace

// -- the suite ----------------------------------------------------------------

namespace {

/// Every wait in this suite gives up after this long instead of hanging.
constexpr auto bound = std::chrono::seconds(30);

const table_def readings_table{"client_readings",
                               {{"id", column_type::integer, false, true, true},
                                {"name", column_type::text, false},
                                {"score", column_type::real}},
                               {}};

/// Groups of this suite's own, so runs beside other suites do not meet.
constexpr std::int64_t group = 17'017;

struct fixture {
  backend where;
  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  broker start() {
    broker_config bc;
    bc.engine = engine_config::parse(where.url());
    return spawn_broker(sys, bc);
  }

  /// A broker with one writer connection, so one closure can hold it.
  broker start_with_one_writer(std::size_t queue_capacity = 10'000) {
    broker_config bc;
    bc.engine = engine_config::parse(where.url());
    bc.engine->set_option("pool_size", "1");
    bc.engine->set_option("max_overflow", "0");
    bc.queue_capacity = queue_capacity;
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

  /// The readings table with `n` rows: ids 1..n, score = id / 2.
  void fill(const node& db, int n) {
    require(create_table(self, db, readings_table, bound));
    auto inserter = require(insert_into(
        self, db,
        insert_spec{"client_readings", {"name", "score"}, "id", 100}));
    int i = 0;
    auto written =
        require(insert_rows(self, inserter, 100, [&]() -> std::optional<row> {
          if (i == n)
            return std::nullopt;
          ++i;
          return row{"r" + std::to_string(i), i / 2.0};
        }));
    CAF_REQUIRE_EQUAL(written, static_cast<std::uint64_t>(n));
  }

  /// A write transaction that holds its connection until release(): sent
  /// from an event-based actor that reports "job done" (or the error) to
  /// this fixture's actor. Returns once the closure runs.
  struct held_job {
    std::promise<void> release;
    bool running = false;
  };

  std::unique_ptr<held_job> hold_writer(const broker& db) {
    auto held = std::make_unique<held_job>();
    auto started = std::make_shared<std::promise<void>>();
    auto started_future = started->get_future();
    std::shared_future<void> go = held->release.get_future().share();
    caf::actor report_to{self};
    sys.spawn(
        [=](caf::event_based_actor* client, const broker& to) {
          transact(
              client, to,
              [=](transaction_scope&) {
                started->set_value();
                go.wait_for(bound);
              },
              transact_options{},
              [=] { client->send(report_to, std::string{"job done"}); },
              [=](caf::error& err) { client->send(report_to, err); });
        },
        db);
    held->running =
        started_future.wait_for(bound) == std::future_status::ready;
    return held;
  }

  /// What an event-based actor reports with `send(report_to, ...)`.
  template <class T> caf::expected<T> report() {
    caf::expected<T> out{caf::sec::request_timeout};
    self->receive([&](T& x) { out = std::move(x); },
                  [&](caf::error& err) { out = std::move(err); },
                  caf::after(bound) >> [] {});
    return out;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(client_helpers, fixture)

CAF_TEST(scoped_helpers_cover_the_node_and_its_statements) {
  auto db = start();
  require(create_table(self, db, readings_table));
  // `{}` for no parameters, and timeouts in std::chrono or caf::duration.
  auto none = require(sql(self, db, "SELECT 1 + 1", {}, 5s));
  CAF_REQUIRE_EQUAL(none.rows.size(), 1u);
  CAF_CHECK_EQUAL(none.rows[0][0].as_integer(), 2);
  auto added = require(sql(self, db,
                           "INSERT INTO client_readings (name, score) "
                           "VALUES (?, ?)",
                           {"a", 1.5}, caf::duration{bound}));
  CAF_CHECK_EQUAL(added.rows_affected, 1);
  require(prepare(self, db, "by_name",
                  "SELECT score FROM client_readings WHERE name = ?", 500ms));
  auto found = require(execute(self, db, "by_name", {"a"}));
  CAF_REQUIRE_EQUAL(found.rows.size(), 1u);
  CAF_CHECK_EQUAL(found.rows[0][0].as_real(), 1.5);
  auto unnamed = execute(self, db, "no_such_statement", {});
  CAF_REQUIRE(!unnamed);
  CAF_CHECK(is(unnamed.error(), errc::missing));
  auto st = require(status(self, db, caf::infinite));
  if (!(st.state == "running" || st.state == "idle"))
    CAF_MESSAGE(st.state);
  CAF_CHECK(st.state == "running" || st.state == "idle");
  CAF_CHECK(st.queue.done >= 4u);
  require(shutdown(self, db));
}

CAF_TEST(scoped_helpers_cover_items_dict_and_array) {
  auto db = start();
  auto store = require(items_of(self, db, group));
  require(set(self, store, "b", std::string{"two"}));
  require(set(self, store, "a", std::int64_t{1}));
  require(set(self, store, "c", 3.0));
  CAF_CHECK_EQUAL(require(names(self, store)),
                  (std::vector<std::string>{"a", "b", "c"}));
  CAF_CHECK_EQUAL(require(names(self, store, "b", 5)),
                  (std::vector<std::string>{"b", "c"}));
  auto page = require(load_page(self, store, "", 2));
  CAF_REQUIRE_EQUAL(page.size(), 2u);
  CAF_CHECK_EQUAL(decode<std::int64_t>(page.at("a")), 1);
  CAF_CHECK_EQUAL(decode<std::string>(page.at("b")), "two");
  // A stored_value passes through unchanged.
  auto raw = require(get<stored_value>(self, store, "c"));
  CAF_REQUIRE(raw);
  CAF_CHECK(*raw == encode(3.0));
  CAF_CHECK_EQUAL(require(erase(self, store, {"a", "zz"})), 1u);
  CAF_CHECK_EQUAL(require(names(self, store)),
                  (std::vector<std::string>{"b", "c"}));

  auto cache = require(dict_of(self, db, group + 1));
  require(set(self, cache, "x", std::string{"ex"}));
  require(set(self, cache, "y", std::string{"why"}));
  require(erase(self, cache, {"x"}));
  require(flush(self, cache, bound));
  require(preload(self, cache));
  CAF_CHECK_EQUAL(require(names(self, cache)), (std::vector<std::string>{"y"}));
  auto all = require(load_all<std::string>(self, cache));
  CAF_CHECK_EQUAL(all.size(), 1u);
  CAF_CHECK_EQUAL(all.at("y"), "why");

  auto cells = require(array_of(self, db, group));
  require(clear(self, cells));
  require(set(self, cells, coordinates{1, 2, 3}, std::string{"here"}));
  require(set(self, cells, coordinates{-1, 0, 0}, std::string{"there"}));
  CAF_CHECK(require(erase(self, cells, coordinates{1, 2, 3})));
  CAF_CHECK(!require(erase(self, cells, coordinates{1, 2, 3})));
  CAF_CHECK_EQUAL(require(clear(self, cells)), 1u);
  CAF_CHECK(!require(get<std::string>(self, cells, coordinates{-1, 0, 0})));
  require(shutdown(self, db));
}

CAF_TEST(scoped_helpers_cover_cursors_and_bulk_inserts) {
  auto db = start();
  require(create_table(self, db, readings_table));
  auto inserter = require(insert_into(
      self, db, insert_spec{"client_readings", {"name", "score"}, "id", 10}));
  auto keys = require(write(self, inserter, {{"p", 1.0}, {"q", 2.0}}));
  CAF_REQUIRE_EQUAL(keys.size(), 2u);
  CAF_CHECK(keys[0].as_integer() < keys[1].as_integer());
  auto done = require(progress(self, inserter));
  CAF_CHECK_EQUAL(done.written, 2u);

  auto info =
      require(query(self, db, "SELECT name FROM client_readings ORDER BY id"));
  CAF_CHECK_EQUAL(info.columns, (std::vector<std::string>{"name"}));
  auto first = require(fetch(self, info.rows, 1));
  CAF_REQUIRE_EQUAL(first.rows.size(), 1u);
  CAF_CHECK_EQUAL(first.rows[0][0].as_text(), "p");
  require(cancel(self, info.rows));
  auto after = fetch(self, info.rows, 1);
  CAF_REQUIRE(!after);
  CAF_CHECK(is(after.error(), errc::invalid_argument));
  require(shutdown(self, db));
}

CAF_TEST(event_based_helpers_answer_through_callbacks) {
  auto db = start();
  fill(db, 3);
  caf::actor report_to{self};
  // One actor chains the helpers and reports what it saw, or the first
  // error.
  sys.spawn(
      [=](caf::event_based_actor* client, const broker& to) {
        auto fail = [=](caf::error& err) { client->send(report_to, err); };
        sql(
            client, to, "SELECT COUNT(*) FROM client_readings", {},
            [=](result_set& rs) {
              auto count = rs.rows.at(0).at(0).as_integer();
              items_of(
                  client, to, group + 2,
                  [=](items& store) {
                    set(
                        client, store, "n", count,
                        [=] {
                          get<std::int64_t>(
                              client, store, "n",
                              [=](std::optional<std::int64_t> n) {
                                names(
                                    client, store,
                                    [=](std::vector<std::string>& all) {
                                      client->send(
                                          report_to,
                                          std::to_string(n.value_or(-1)) + " " +
                                              all.at(0));
                                    },
                                    fail, 5s);
                              },
                              fail);
                        },
                        fail, caf::duration{bound});
                  },
                  fail);
            },
            fail, bound);
      },
      db);
  CAF_CHECK_EQUAL(require(report<std::string>()), "3 n");
  // Cursors and array from an event-based actor.
  sys.spawn(
      [=](caf::event_based_actor* client, const broker& to) {
        auto fail = [=](caf::error& err) { client->send(report_to, err); };
        query(
            client, to, "SELECT id FROM client_readings ORDER BY id", {},
            [=](cursor_info& info) {
              fetch(
                  client, info.rows, 10,
                  [=](row_batch& batch) {
                    array_of(
                        client, to, group + 2,
                        [=](array& cells) {
                          auto n =
                              static_cast<std::uint64_t>(batch.rows.size());
                          set(
                              client, cells,
                              coordinates{static_cast<std::int64_t>(n), 0, 0},
                              n,
                              [=] {
                                clear(
                                    client, cells,
                                    [=](std::uint64_t cleared) {
                                      client->send(report_to, n * 10 + cleared);
                                    },
                                    fail);
                              },
                              fail);
                        },
                        fail);
                  },
                  fail);
            },
            fail);
      },
      db);
  CAF_CHECK_EQUAL(require(report<std::uint64_t>()), 31u);
  require(shutdown(self, db));
}

CAF_TEST(
    after_shutdown_requests_fail_with_shutting_down_and_shutdown_again_is_ok) {
  auto db = start();
  auto store = require(items_of(self, db, group + 3));
  require(shutdown(self, db));
  // The broker has stopped: one documented answer, for every helper.
  auto later = sql(self, db, "SELECT 1", {}, bound);
  CAF_REQUIRE(!later);
  if (!(is(later.error(), errc::shutting_down)))
    CAF_MESSAGE(sys.render(later.error()));
  CAF_CHECK(is(later.error(), errc::shutting_down));
  auto group_later = get<std::string>(self, store, "x", bound);
  CAF_REQUIRE(!group_later);
  if (!(is(group_later.error(), errc::shutting_down)))
    CAF_MESSAGE(sys.render(group_later.error()));
  CAF_CHECK(is(group_later.error(), errc::shutting_down));
  auto again = shutdown(self, db, bound);
  if (!(again))
    CAF_MESSAGE(sys.render(again.error()));
  CAF_CHECK(again);
  // The same from an event-based actor.
  caf::actor report_to{self};
  sys.spawn(
      [=](caf::event_based_actor* client, const broker& to) {
        status(
            client, to,
            [=](broker_status&) { client->send(report_to, "answered"); },
            [=](caf::error& err) {
              client->send(report_to, is(err, errc::shutting_down)
                                          ? "shutting_down"
                                          : client->system().render(err));
              shutdown(
                  client, to, [=] { client->send(report_to, "stopped"); },
                  [=](caf::error& e) { client->send(report_to, e); });
            });
      },
      db);
  CAF_CHECK_EQUAL(require(report<std::string>()), "shutting_down");
  CAF_CHECK_EQUAL(require(report<std::string>()), "stopped");
}

CAF_TEST(typed_row_consumer_example_runs_end_to_end) {
  auto db = start();
  fill(db, 1000);
  auto got = read_all(sys, db);
  if (!(got))
    CAF_MESSAGE(sys.render(got.error()));
  CAF_REQUIRE(got);
  CAF_REQUIRE_EQUAL(got->size(), 1000u);
  CAF_CHECK_EQUAL(got->front().id, 1);
  CAF_CHECK_EQUAL(got->front().name, "r1");
  CAF_CHECK_EQUAL(got->back().id, 1000);
  CAF_CHECK_EQUAL(got->back().score, 500.0);
  // A failing query reaches the consumer's error handler.
  auto bad = sasync::query(self, db, "SELECT * FROM no_such_table", {},
                           sys.spawn(reader, caf::actor{self}), 100);
  CAF_CHECK(!bad);
  require(shutdown(self, db));
}

CAF_TEST(event_based_for_each_row_and_insert_rows_stream_every_row) {
  auto db = start();
  require(create_table(self, db, readings_table));
  caf::actor report_to{self};
  // insert_rows from an event-based actor: 2,500 rows in writes of 100,
  // keys in input order, progress as they commit.
  sys.spawn(
      [=](caf::event_based_actor* client, const broker& to) {
        auto fail = [=](caf::error& err) { client->send(report_to, err); };
        insert_into(
            client, to,
            insert_spec{"client_readings", {"name", "score"}, "id", 100},
            [=](bulk_insert& inserter) {
              auto left = std::make_shared<int>(2500);
              auto last_key = std::make_shared<std::int64_t>(0);
              auto in_order = std::make_shared<bool>(true);
              auto reported = std::make_shared<std::uint64_t>(0);
              insert_callbacks cb;
              cb.on_keys = [=](std::vector<value>& keys) {
                for (auto& k : keys) {
                  *in_order = *in_order && k.as_integer() > *last_key;
                  *last_key = k.as_integer();
                }
              };
              cb.on_progress = [=](std::uint64_t n) { *reported = n; };
              insert_rows(
                  client, inserter, 100,
                  [=]() -> std::optional<row> {
                    if (*left == 0)
                      return std::nullopt;
                    auto i = 2501 - (*left)--;
                    return row{"r" + std::to_string(i), i / 2.0};
                  },
                  cb,
                  [=](std::uint64_t written) {
                    client->send(report_to,
                                 std::to_string(written) + " " +
                                     std::to_string(*reported) + " " +
                                     (*in_order ? "in order" : "out of order"));
                  },
                  fail, bound);
            },
            fail);
      },
      db);
  CAF_CHECK_EQUAL(require(report<std::string>()), "2500 2500 in order");
  // for_each_row from an event-based actor, on a statement and on a cursor
  // already open: every row, in order, batch by batch.
  sys.spawn(
      [=](caf::event_based_actor* client, const broker& to) {
        auto fail = [=](caf::error& err) { client->send(report_to, err); };
        auto sum = std::make_shared<std::int64_t>(0);
        auto previous = std::make_shared<std::int64_t>(0);
        auto in_order = std::make_shared<bool>(true);
        for_each_row(
            client, to, "SELECT id FROM client_readings WHERE id > ? ORDER BY id",
            {0},
            [=](const row& r) {
              *sum += r[0].as_integer();
              *in_order = *in_order && r[0].as_integer() > *previous;
              *previous = r[0].as_integer();
            },
            [=](std::uint64_t n) {
              client->send(report_to, std::to_string(n) + " " +
                                          std::to_string(*sum) + " " +
                                          (*in_order ? "in order"
                                                     : "out of order"));
            },
            fail, 333, bound);
      },
      db);
  CAF_CHECK_EQUAL(require(report<std::string>()),
                  "2500 3126250 in order"); // 1 + ... + 2500
  sys.spawn(
      [=](caf::event_based_actor* client, const broker& to) {
        auto fail = [=](caf::error& err) { client->send(report_to, err); };
        query(
            client, to, "SELECT name FROM client_readings ORDER BY id", {},
            [=](cursor_info& info) {
              auto last = std::make_shared<std::string>();
              for_each_row(
                  client, info.rows,
                  [=](const row& r) { *last = r[0].as_text(); },
                  [=](std::uint64_t n) {
                    client->send(report_to, std::to_string(n) + " " + *last);
                  },
                  fail);
            },
            fail);
      },
      db);
  CAF_CHECK_EQUAL(require(report<std::string>()), "2500 r2500");
  // A failing statement reaches on_error; a zero batch is refused.
  sys.spawn(
      [=](caf::event_based_actor* client, const broker& to) {
        for_each_row(
            client, to, "SELECT * FROM no_such_table", {},
            [](const row&) {},
            [=](std::uint64_t) { client->send(report_to, "rows"); },
            [=](caf::error& err) {
              insert_into(
                  client, to,
                  insert_spec{"client_readings", {"name"}, "id", 10},
                  [=](bulk_insert& inserter) {
                    insert_rows(
                        client, inserter, 0,
                        []() -> std::optional<row> { return std::nullopt; },
                        {}, [=](std::uint64_t) {
                          client->send(report_to, "inserted");
                        },
                        [=](caf::error& zero) {
                          client->send(report_to,
                                       to_string(static_cast<errc>(err.code())) +
                                           " " +
                                           to_string(static_cast<errc>(
                                               zero.code())));
                        });
                  },
                  [=](caf::error& e) { client->send(report_to, e); });
            });
      },
      db);
  CAF_CHECK_EQUAL(require(report<std::string>()),
                  "database_error invalid_argument");
  require(shutdown(self, db));
}

CAF_TEST(set_many_keeps_a_window_in_flight_and_answers_the_first_error) {
  auto db = start();
  auto store = require(items_of(self, db, group + 4));
  // 3,000 sets, 64 in flight: every one committed, progress counted.
  int i = 0;
  std::uint64_t progressed = 0;
  set_many_callbacks cb;
  cb.on_progress = [&](std::uint64_t n) { progressed = n; };
  auto done = set_many(
      self, store,
      [&]() -> std::optional<named_value<stored_value>> {
        if (i == 3000)
          return std::nullopt;
        ++i;
        return named_value<stored_value>{"n" + std::to_string(i),
                                         encode(std::int64_t{i})};
      },
      64, cb, bound);
  CAF_CHECK_EQUAL(require(std::move(done)), 3000u);
  CAF_CHECK_EQUAL(progressed, 3000u);
  CAF_CHECK_EQUAL(require(names(self, store)).size(), 3000u);
  CAF_CHECK_EQUAL(require(get<std::int64_t>(self, store, "n2999")),
                  std::optional<std::int64_t>{2999});
  // Any T: set_many<T>; a name no backend stores exactly (a NUL byte) fails
  // at its position, nothing after it is sent.
  std::vector<named_value<std::string>> entries{
      {"a", "1"}, {"b", "2"}, {std::string{"c\0d", 3}, "3"}, {"e", "4"}};
  std::size_t next = 0;
  std::uint64_t failed_at = 99;
  cb.on_failed = [&](std::uint64_t at) { failed_at = at; };
  auto refused = set_many<std::string>(
      self, store,
      [&]() -> std::optional<named_value<std::string>> {
        if (next == entries.size())
          return std::nullopt;
        return entries[next++];
      },
      2, cb, bound);
  CAF_REQUIRE(!refused);
  CAF_CHECK(is(refused.error(), errc::invalid_argument));
  CAF_CHECK_EQUAL(failed_at, 2u);
  CAF_CHECK_EQUAL(progressed, 2u);
  CAF_CHECK_EQUAL(next, 3u);
  CAF_CHECK(require(get<std::string>(self, store, "b")));
  CAF_CHECK(!require(get<std::string>(self, store, "e")));
  // From an event-based actor, on a dict: the count; then the error at the
  // earliest position.
  auto cache = require(dict_of(self, db, group + 5));
  caf::actor report_to{self};
  sys.spawn(
      [=](caf::event_based_actor* client, const dict& to) {
        auto n = std::make_shared<int>(0);
        set_many(
            client, to,
            [=]() -> std::optional<named_value<stored_value>> {
              if (*n == 500)
                return std::nullopt;
              ++*n;
              return named_value<stored_value>{"d" + std::to_string(*n),
                                               encode(std::to_string(*n))};
            },
            16, {},
            [=](std::uint64_t count) {
              auto k = std::make_shared<int>(0);
              set_many_callbacks failed;
              auto where = std::make_shared<std::uint64_t>(99);
              failed.on_failed = [=](std::uint64_t at) { *where = at; };
              set_many(
                  client, to,
                  [=]() -> std::optional<named_value<stored_value>> {
                    ++*k;
                    if (*k == 4)
                      return named_value<stored_value>{
                          "big",
                          stored_value{"string",
                                       blob(max_stored_value_bytes() + 1)}};
                    return named_value<stored_value>{"x" + std::to_string(*k),
                                                     encode(std::string{"x"})};
                  },
                  2, failed,
                  [=](std::uint64_t) { client->send(report_to, "no error"); },
                  [=](caf::error& err) {
                    client->send(report_to,
                                 std::to_string(count) + " " +
                                     std::to_string(*where) + " " +
                                     (is(err, errc::invalid_argument)
                                          ? "invalid_argument"
                                          : client->system().render(err)));
                  });
            },
            [=](caf::error& err) { client->send(report_to, err); });
      },
      cache);
  CAF_CHECK_EQUAL(require(report<std::string>()), "500 3 invalid_argument");
  require(flush(self, cache, bound));
  CAF_CHECK_EQUAL(require(names(self, cache)).size(), 503u); // d1..d500, x1..x3
  require(shutdown(self, db));
}

CAF_TEST(a_request_without_an_answer_in_time_fails_with_timeout_naming_it) {
  auto db = start_with_one_writer();
  require(create_table(self, db, readings_table));
  auto store = require(items_of(self, db, group + 6));
  require(set(self, store, "k", std::string{"before"}));
  auto held = hold_writer(db);
  CAF_REQUIRE(held->running);
  // The writer is taken: the set waits past its bound of 0.2 s.
  auto late = set(self, store, "k", std::string{"late"}, 200ms);
  CAF_REQUIRE(!late);
  CAF_MESSAGE(sys.render(late.error()));
  CAF_CHECK(is(late.error(), errc::timeout));
  CAF_CHECK(is_unanswered(late.error()));
  CAF_CHECK_EQUAL(sys.render(late.error()),
                  "sasync::timeout: no answer to items set within 0.2 s");
  // The same from an event-based actor, and for a node's message.
  caf::actor report_to{self};
  sys.spawn(
      [=](caf::event_based_actor* client, const broker& to) {
        sql(
            client, to, "DELETE FROM client_readings WHERE id < ?", {0},
            [=](result_set&) { client->send(report_to, "answered"); },
            [=](caf::error& err) {
              client->send(report_to, client->system().render(err));
            },
            std::chrono::milliseconds(250));
      },
      db);
  CAF_CHECK_EQUAL(require(report<std::string>()),
                  "sasync::timeout: no answer to sql within 0.25 s");
  // A broker's own timeout is not one of these.
  CAF_CHECK(!is_unanswered(make_error(errc::timeout, "no connection")));
  held->release.set_value();
  CAF_CHECK_EQUAL(require(report<std::string>()), "job done");
  // The late set still took effect once the writer was free.
  CAF_CHECK_EQUAL(require(get<std::string>(self, store, "k", bound)),
                  std::optional<std::string>{"late"});
  require(shutdown(self, db));
}

CAF_TEST(shutdown_while_draining_answers_every_shutdown_and_the_job_in_flight) {
  auto db = start_with_one_writer();
  require(create_table(self, db, readings_table));
  auto held = hold_writer(db);
  CAF_REQUIRE(held->running);
  caf::actor report_to{self};
  auto ask_shutdown = [&] {
    sys.spawn(
        [=](caf::event_based_actor* client, const broker& to) {
          shutdown(
              client, to, [=] { client->send(report_to, "stopped"); },
              [=](caf::error& err) { client->send(report_to, err); },
              bound);
        },
        db);
  };
  ask_shutdown();
  // Draining: the job holds the writer, so the drain cannot end yet.
  auto deadline = std::chrono::steady_clock::now() + bound;
  std::string state;
  while (state != "draining" && std::chrono::steady_clock::now() < deadline) {
    auto st = status(self, db, bound);
    if (!st)
      CAF_FAIL(sys.render(st.error()));
    state = st->state;
  }
  CAF_REQUIRE_EQUAL(state, "draining");
  ask_shutdown();
  auto meanwhile = sql(self, db, "SELECT 1", {}, bound);
  CAF_REQUIRE(!meanwhile);
  CAF_CHECK(is(meanwhile.error(), errc::shutting_down));
  held->release.set_value();
  // The job and both shutdowns are answered, in whatever order they come.
  std::multiset<std::string> answers;
  for (int i = 0; i < 3; ++i)
    answers.insert(require(report<std::string>()));
  CAF_CHECK_EQUAL(answers,
                  (std::multiset<std::string>{"job done", "stopped",
                                              "stopped"}));
  // Stopped: shutdown is ok again, every other request shutting_down.
  require(shutdown(self, db, bound));
  auto later = status(self, db, bound);
  CAF_REQUIRE(!later);
  CAF_CHECK(is(later.error(), errc::shutting_down));
}

CAF_TEST(set_many_stops_at_overloaded_and_waits_for_the_sets_in_flight) {
  // Two jobs may wait; the writer is held, so a window of 16 overfills it.
  auto db = start_with_one_writer(2);
  auto store = require(items_of(self, db, group + 7));
  auto held = hold_writer(db);
  CAF_REQUIRE(held->running);
  caf::actor report_to{self};
  auto yielded = std::make_shared<std::atomic<int>>(0);
  auto filled = std::make_shared<std::promise<void>>();
  auto window_full = filled->get_future();
  sys.spawn(
      [=](caf::event_based_actor* client, const items& to) {
        auto where = std::make_shared<std::uint64_t>(0);
        set_many_callbacks cb;
        cb.on_failed = [=](std::uint64_t at) { *where = at; };
        set_many(
            client, to,
            [=]() -> std::optional<named_value<stored_value>> {
              if (*yielded == 1000)
                return std::nullopt;
              auto i = ++*yielded;
              if (i == 16) // sets 1 to 15 are on their way
                filled->set_value();
              return named_value<stored_value>{"o" + std::to_string(i),
                                               encode(std::int64_t{i})};
            },
            16, cb,
            [=](std::uint64_t n) {
              client->send(report_to, "all " + std::to_string(n));
            },
            [=](caf::error& err) {
              client->send(report_to,
                           client->system().render(err) + " at " +
                               std::to_string(*where));
            });
      },
      store);
  // Once the window is full, sets 1 and 2 wait in the items actor (it keeps
  // at most queue_capacity open), so a probe is refused as overloaded too.
  CAF_REQUIRE(window_full.wait_for(bound) == std::future_status::ready);
  auto probe = names(self, store, bound);
  CAF_REQUIRE(!probe);
  CAF_CHECK(is(probe.error(), errc::overloaded));
  held->release.set_value();
  // The held job and set_many answer, in whatever order.
  auto first = require(report<std::string>());
  auto second = require(report<std::string>());
  auto answer = first == "job done" ? second : first;
  CAF_CHECK((first == "job done") != (second == "job done"));
  CAF_MESSAGE("set_many: " << answer << "; entries read: " << *yielded);
  CAF_CHECK(answer.rfind("sasync::overloaded", 0) == 0);
  // After the refusal it sent no more: at most a window past the start.
  CAF_CHECK(*yielded <= 17);
  // What was answered ok was stored; nothing after the window was sent.
  auto stored = require(names(self, store, bound));
  CAF_MESSAGE(stored.size() << " of " << *yielded << " sets committed");
  CAF_CHECK(!stored.empty());
  CAF_CHECK(stored.size() < static_cast<std::size_t>(*yielded));
  require(shutdown(self, db));
}

CAF_TEST_FIXTURE_SCOPE_END()
