// The client helpers (client.hpp, client_node.hpp, client_rows.hpp) on a
// real backend with real threads, from scoped and event-based actors; every
// wait is bounded. Included by one suite per backend, each defining `struct
// backend` (url(), with the table client_readings dropped around each test)
// and CAF_SUITE first.

#include "actors/broker.hpp"
#include "actors/client.hpp"
#include "actors/errc.hpp"
#include "actors/system_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <map>
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

CAF_TEST_FIXTURE_SCOPE_END()
