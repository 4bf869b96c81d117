// Versions and compare-and-set on items and array cells, on a real backend
// with real threads: every write raises a row's version, set_if/delete_if
// commit only at the version the caller read and otherwise fail with
// conflict carrying the current one, 64 actors increment one counter
// without losing an update, and tables of an earlier sasync (no version
// column) gain one with their rows intact, also when two brokers start on
// them at once. Included by one suite per backend, each defining `struct
// backend` (url(), and old_tables(conn) creating the tables without the
// version column) and CAF_SUITE first.

#include "sasync/actors/broker.hpp"
#include "sasync/actors/client.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/storage/array_store.hpp"
#include "sasync/storage/connection.hpp"
#include "sasync/storage/dialect.hpp"
#include "sasync/storage/item_store.hpp"
#include "sasync/storage/value_codec.hpp"

#include "sanitized.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace sasync;

namespace {

constexpr auto bound = std::chrono::seconds(60);
const caf::duration limit{bound};

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

  /// The version of `name`, 0 when missing.
  std::uint64_t version_of(const items& store, const std::string& name) {
    auto x = require(get_versioned<stored_value>(self, store, name, limit));
    return x ? x->version : 0;
  }

  std::uint64_t version_of(const array& cells, const coordinates& at) {
    auto x = require(get_versioned<stored_value>(self, cells, at, limit));
    return x ? x->version : 0;
  }

  bool stop(const broker& db) {
    auto done = shutdown(self, db, limit);
    if (!done)
      CAF_MESSAGE("shutdown: " << sys.render(done.error()));
    return static_cast<bool>(done);
  }
};

/// The version a conflict carries; fails the test for any other answer.
template <class T>
std::uint64_t conflicting(caf::actor_system& sys, const caf::expected<T>& x) {
  if (x)
    CAF_FAIL("expected a conflict, got success");
  if (!is(x.error(), errc::conflict))
    CAF_FAIL("expected a conflict, got " << sys.render(x.error()));
  auto v = conflict_version(x.error());
  CAF_REQUIRE(v.has_value());
  return *v;
}

/// Adds 1 to the counter `rounds` times with get_versioned / set_if,
/// reading again after each conflict; reports its conflicts, or the first
/// other error, to `report_to`.
struct incrementer_state {
  int done = 0;
  std::uint64_t conflicts = 0;
};

caf::behavior
incrementer(caf::stateful_actor<incrementer_state>* self, items store,
            int rounds, caf::actor report_to) {
  auto fail = [=](caf::error& err) {
    self->send(report_to, err);
    self->quit();
  };
  auto step = std::make_shared<std::function<void()>>();
  *step = [=] {
    get_versioned<std::int64_t>(
        self, store, "counter",
        [=](std::optional<versioned<std::int64_t>> x) {
          auto v = x ? x->version : 0;
          auto n = x ? x->value : 0;
          set_if(
              self, store, "counter", n + 1, v,
              [=](std::uint64_t) {
                if (++self->state.done == rounds) {
                  self->send(report_to, self->state.conflicts);
                  self->quit();
                  return;
                }
                (*step)();
              },
              [=](caf::error& err) {
                if (!is(err, errc::conflict))
                  return fail(err);
                ++self->state.conflicts;
                (*step)();
              },
              limit);
        },
        fail, limit);
  };
  self->attach_functor([step] { *step = nullptr; }); // breaks the cycle
  (*step)();
  return {[](caf::error&) {}};
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(versions_tests, fixture)

CAF_TEST(set_if_raises_the_version_and_a_stale_one_conflicts_with_the_current) {
  auto db = start();
  auto store = require(items_of(self, db, 1, limit));
  CAF_CHECK(!require(get_versioned<std::string>(self, store, "a", limit)));
  CAF_CHECK_EQUAL(require(set_if(self, store, "a", std::string{"one"}, 0,
                                 limit)),
                  1u);
  auto read = require(get_versioned<std::string>(self, store, "a", limit));
  CAF_REQUIRE(read);
  CAF_CHECK_EQUAL(read->version, 1u);
  CAF_CHECK_EQUAL(read->value, "one");
  CAF_CHECK_EQUAL(require(set_if(self, store, "a", std::string{"two"}, 1,
                                 limit)),
                  2u);
  // Stale: the write is refused, the stored value stays, the error names 2.
  CAF_CHECK_EQUAL(conflicting(sys, set_if(self, store, "a",
                                          std::string{"lost"}, 1, limit)),
                  2u);
  // 0 means "must not exist": refused for a name that exists.
  CAF_CHECK_EQUAL(conflicting(sys, set_if(self, store, "a",
                                          std::string{"lost"}, 0, limit)),
                  2u);
  // A version the name never had, and one beyond int64's range.
  CAF_CHECK_EQUAL(conflicting(sys, set_if(self, store, "a",
                                          std::string{"lost"}, 7, limit)),
                  2u);
  CAF_CHECK_EQUAL(conflicting(sys, set_if(self, store, "a",
                                          std::string{"lost"},
                                          ~std::uint64_t{0}, limit)),
                  2u);
  // A missing name conflicts at version 0.
  CAF_CHECK_EQUAL(conflicting(sys, set_if(self, store, "nowhere",
                                          std::string{"x"}, 3, limit)),
                  0u);
  CAF_CHECK(!require(get<std::string>(self, store, "nowhere", limit)));
  CAF_CHECK(require(get<std::string>(self, store, "a", limit)) ==
            std::optional<std::string>{"two"});
  // The error reads in words, naming both versions.
  auto refused = set_if(self, store, "a", std::string{"lost"}, 1, limit);
  auto words = sys.render(refused.error());
  CAF_CHECK_NOT_EQUAL(words.find("sasync::conflict"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(words.find("version 2"), std::string::npos);
  CAF_CHECK(!is_retryable(refused.error()));
  CAF_CHECK(stop(db));
}

CAF_TEST(every_write_raises_the_version) {
  auto db = start();
  auto store = require(items_of(self, db, 2, limit));
  require(set(self, store, "n", std::int64_t{1}, limit));
  CAF_CHECK_EQUAL(version_of(store, "n"), 1u);
  require(set(self, store, "n", std::int64_t{2}, limit));
  CAF_CHECK_EQUAL(version_of(store, "n"), 2u);
  require(update(self, store, "n", std::int64_t{3}, limit));
  CAF_CHECK_EQUAL(version_of(store, "n"), 3u);
  require(erase(self, store, {"n"}, limit));
  CAF_CHECK_EQUAL(version_of(store, "n"), 0u);
  require(insert(self, store, "n", std::int64_t{4}, limit));
  CAF_CHECK_EQUAL(version_of(store, "n"), 1u); // a new row starts again
  // Many sets at once: group commit writes them in one statement.
  std::vector<std::string> names{"m1", "m2", "n", "m3"};
  for (int round = 0; round < 2; ++round) {
    std::size_t next_name = 0;
    auto next = [&]() -> std::optional<named_value<std::int64_t>> {
      if (next_name == names.size())
        return std::nullopt;
      return named_value<std::int64_t>{names[next_name++], round};
    };
    CAF_CHECK_EQUAL(require(set_many<std::int64_t>(self, store, next)), 4u);
  }
  CAF_CHECK_EQUAL(version_of(store, "m1"), 2u);
  CAF_CHECK_EQUAL(version_of(store, "m3"), 2u);
  CAF_CHECK_EQUAL(version_of(store, "n"), 3u);
  // The dict's writes behind go to the same rows.
  auto cache = require(dict_of(self, db, 3, limit));
  require(set(self, cache, "d", std::int64_t{1}, limit));
  require(flush(self, cache, limit));
  require(set(self, cache, "d", std::int64_t{2}, limit));
  require(flush(self, cache, limit));
  auto same_group = require(items_of(self, db, 3, limit));
  CAF_CHECK_EQUAL(version_of(same_group, "d"), 2u);
  // Array cells.
  auto cells = require(array_of(self, db, 4, limit));
  coordinates at{1, -2, 3};
  require(set(self, cells, at, std::string{"a"}, limit));
  require(set(self, cells, at, std::string{"b"}, limit));
  CAF_CHECK_EQUAL(version_of(cells, at), 2u);
  CAF_CHECK(stop(db));
}

CAF_TEST(delete_if_deletes_only_at_the_expected_version) {
  auto db = start();
  auto store = require(items_of(self, db, 5, limit));
  require(set(self, store, "d", std::string{"x"}, limit));
  require(set(self, store, "d", std::string{"y"}, limit));
  CAF_CHECK_EQUAL(conflicting(sys, delete_if(self, store, "d", 1, limit)), 2u);
  CAF_CHECK_EQUAL(conflicting(sys, delete_if(self, store, "d", 0, limit)), 2u);
  CAF_CHECK(require(get<std::string>(self, store, "d", limit)));
  require(delete_if(self, store, "d", 2, limit));
  CAF_CHECK(!require(get<std::string>(self, store, "d", limit)));
  // Missing: expecting it missing succeeds, expecting a version conflicts.
  require(delete_if(self, store, "d", 0, limit));
  CAF_CHECK_EQUAL(conflicting(sys, delete_if(self, store, "d", 2, limit)), 0u);
  CAF_CHECK(stop(db));
}

CAF_TEST(array_cells_have_versions_and_compare_and_set) {
  auto db = start();
  auto cells = require(array_of(self, db, 6, limit));
  coordinates at{4, 5, -6};
  CAF_CHECK(!require(get_versioned<std::int64_t>(self, cells, at, limit)));
  CAF_CHECK_EQUAL(require(set_if(self, cells, at, std::int64_t{10}, 0, limit)),
                  1u);
  CAF_CHECK_EQUAL(require(set_if(self, cells, at, std::int64_t{11}, 1, limit)),
                  2u);
  CAF_CHECK_EQUAL(
      conflicting(sys, set_if(self, cells, at, std::int64_t{99}, 1, limit)),
      2u);
  CAF_CHECK_EQUAL(
      conflicting(sys, set_if(self, cells, at, std::int64_t{99}, 0, limit)),
      2u);
  auto read = require(get_versioned<std::int64_t>(self, cells, at, limit));
  CAF_REQUIRE(read);
  CAF_CHECK_EQUAL(read->version, 2u);
  CAF_CHECK_EQUAL(read->value, 11);
  // Another cell is another row.
  CAF_CHECK_EQUAL(conflicting(sys, set_if(self, cells, coordinates{4, 5, 6},
                                          std::int64_t{1}, 2, limit)),
                  0u);
  CAF_CHECK_EQUAL(conflicting(sys, delete_if(self, cells, at, 1, limit)), 2u);
  require(delete_if(self, cells, at, 2, limit));
  CAF_CHECK(!require(get<std::int64_t>(self, cells, at, limit)));
  require(delete_if(self, cells, at, 0, limit));
  CAF_CHECK(stop(db));
}

CAF_TEST(sixty_four_actors_increment_one_counter_without_losing_an_update) {
  constexpr int actors = 64;
  // Each increment costs about 30 tries among 64 contenders: sanitized, as
  // many actors, fewer rounds.
  constexpr int rounds = test::sanitized ? 3 : 25;
  auto db = start();
  auto store = require(items_of(self, db, 7, limit));
  auto began = std::chrono::steady_clock::now();
  for (int i = 0; i < actors; ++i)
    sys.spawn(incrementer, store, rounds, caf::actor{self});
  std::uint64_t conflicts = 0;
  int finished = 0;
  for (int i = 0; i < actors; ++i)
    self->receive(
        [&](std::uint64_t n) {
          conflicts += n;
          ++finished;
        },
        [&](caf::error& err) { CAF_FAIL(sys.render(err)); },
        caf::after(std::chrono::seconds(240)) >>
            [&] { CAF_FAIL("an incrementer did not finish in time"); });
  auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began)
          .count();
  CAF_MESSAGE(actors << " actors x " << rounds << " increments in " << seconds
                     << " s, " << conflicts << " conflicts retried");
  CAF_CHECK_EQUAL(finished, actors);
  auto counter = require(get_versioned<std::int64_t>(self, store, "counter",
                                                     limit));
  CAF_REQUIRE(counter);
  CAF_CHECK_EQUAL(counter->value, actors * rounds);
  CAF_CHECK_EQUAL(counter->version,
                  static_cast<std::uint64_t>(actors * rounds));
  CAF_CHECK(stop(db));
}

CAF_TEST(tables_without_versions_gain_them_with_every_row_when_two_brokers_start) {
  {
    auto conn = open_connection(engine_config::parse(where.url()),
                                access_mode::write);
    for (auto& def : {items_table(), array_table()})
      for (auto& stmt : create_statements(conn->dialect(), def))
        conn->execute_script(stmt);
    conn->begin(access_mode::write);
    for (int i = 0; i < 100; ++i)
      conn->execute("INSERT INTO sasync_items (group_id, name, type, value) "
                    "VALUES (?, ?, ?, ?)",
                    {std::int64_t{8}, "old" + std::to_string(i),
                     std::string{"string"},
                     blob(3, static_cast<std::uint8_t>('a' + i % 26))});
    conn->execute("INSERT INTO sasync_array (group_id, x, y, z, type, value) "
                  "VALUES (8, 1, 2, 3, 'string', ?)",
                  {blob(1, static_cast<std::uint8_t>('c'))});
    conn->commit();
  }
  // Two brokers on the old tables at once, each making its group actors
  // (and so upgrading the tables) from a thread of its own.
  auto first = start();
  auto second = start();
  auto items_from = [&](broker db) {
    return std::async(std::launch::async, [this, db] {
      caf::scoped_actor own{sys};
      return items_of(own, db, 8, limit);
    });
  };
  auto a = items_from(first);
  auto b = items_from(second);
  std::vector<items> stores{require(a.get()), require(b.get())};
  for (auto& store : stores) {
    auto all = require(load_all<stored_value>(self, store, limit));
    CAF_CHECK_EQUAL(all.size(), 100u);
    auto x = require(get_versioned<std::string>(self, store, "old7", limit));
    CAF_REQUIRE(x);
    CAF_CHECK_EQUAL(x->version, 1u);
    CAF_CHECK_EQUAL(x->value, "hhh");
  }
  CAF_CHECK_EQUAL(require(set_if(self, stores[0], "old7", std::string{"new"},
                                 1, limit)),
                  2u);
  CAF_CHECK_EQUAL(version_of(stores[1], "old7"), 2u);
  CAF_CHECK_EQUAL(version_of(stores[1], "old8"), 1u);
  auto cells = require(array_of(self, second, 8, limit));
  auto cell = require(get_versioned<std::string>(self, cells,
                                                 coordinates{1, 2, 3}, limit));
  CAF_REQUIRE(cell);
  CAF_CHECK_EQUAL(cell->version, 1u);
  CAF_CHECK_EQUAL(cell->value, "c");
  CAF_CHECK(stop(first));
  CAF_CHECK(stop(second));
}

CAF_TEST_FIXTURE_SCOPE_END()
