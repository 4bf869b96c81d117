// Items, dict and array on a real backend with real threads: connection
// actors are detached, every wait is bounded. Included by one suite per
// backend, each defining `struct backend` (url(), clean()) and CAF_SUITE
// first.

#include "sasync/actors/broker.hpp"
#include "sasync/actors/client.hpp"
#include "sasync/actors/objects/detail/item_jobs.hpp"
#include "sasync/actors/queue/connection_actor.hpp"

#include "sasync/actors/errc.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/actors/transact.hpp"
#include "sasync/storage/dialect.hpp"
#include "sasync/storage/item_store.hpp"
#include "sasync/storage/object_tables.hpp"

#include "echo_capture.hpp"
#include "set_flood.hpp"
#include "user_types.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <optional>
#include <set>
#include <thread>

#include <sys/resource.h>

using namespace sasync;
using namespace sasync::test;

namespace {

/// Every wait in this suite gives up after this long instead of hanging.
constexpr auto bound = std::chrono::seconds(30);
const caf::duration limit{bound};

struct fixture {
  backend where;
  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  broker start(std::size_t pool_size = 0) {
    broker_config bc;
    bc.engine = engine_config::parse(where.url());
    if (pool_size > 0) {
      bc.engine->set_option("pool-size", std::to_string(pool_size));
      bc.engine->set_option("max-overflow", "0");
    }
    return spawn_broker(sys, bc);
  }

  template <class Handle> Handle require(caf::expected<Handle> x) {
    if (!x)
      CAF_FAIL(sys.render(x.error()));
    return std::move(*x);
  }

  bool shutdown(const broker& db) {
    caf::error err;
    self->request(db, bound, shutdown_atom::value)
        .receive([] {}, [&](caf::error& e) { err = std::move(e); });
    if (err)
      CAF_MESSAGE("shutdown: " << sys.render(err));
    return !err;
  }

  /// A connection actor of its own with `echo` on, on a database that has
  /// the items table.
  connection_actor echoing_connection() {
    auto engine = engine_config::parse(where.url());
    engine.set_option("echo", "true");
    auto conn = open_connection(engine, access_mode::write);
    create_object_tables(*conn);
    return spawn_connection(sys, connection_config{engine});
  }

  /// Runs `jobs` as one group-commit batch: each job's error, or none.
  std::vector<caf::error> run_batch(const connection_actor& conn,
                                    job_batch jobs) {
    std::vector<caf::error> out;
    self->request(conn, bound, run_atom::value, std::move(jobs))
        .receive([&](batch_report& r) { out = std::move(r.errors); },
                 [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return out;
  }

  void close(const connection_actor& conn) {
    self->request(conn, bound, close_atom::value)
        .receive([] {}, [](caf::error&) {});
  }

  template <class T>
  std::map<std::string, T> stored_in(const broker& db, std::int64_t group) {
    auto store = require(items_of(self, db, group, limit));
    auto all = load_all<T>(self, store, limit);
    if (!all)
      CAF_FAIL(sys.render(all.error()));
    return std::move(*all);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(objects_backend_tests, fixture)

CAF_TEST(user_types_round_trip_through_items) {
  auto db = start();
  auto store = require(items_of(self, db, 1, limit));
  std::map<std::string, std::vector<std::int64_t>> scores{{"a", {1, -2}},
                                                          {"b", {}}};
  CAF_REQUIRE(set(self, store, "ada", ada(), limit));
  CAF_REQUIRE(set(self, store, "scores", scores, limit));
  CAF_REQUIRE(set(self, store, "team", engine_team(), limit));
  CAF_REQUIRE(set(self, store, "note", std::string{"plain text"}, limit));
  auto who = get<person>(self, store, "ada", limit);
  CAF_REQUIRE(who && *who);
  CAF_CHECK(**who == ada());
  auto got_scores = get<decltype(scores)>(self, store, "scores", limit);
  CAF_REQUIRE(got_scores && *got_scores);
  CAF_CHECK(**got_scores == scores);
  auto got_team = get<team>(self, store, "team", limit);
  CAF_REQUIRE(got_team && *got_team);
  CAF_CHECK(**got_team == engine_team());
  // Text stays text in the table: a plain SQL reader can use it.
  caf::expected<result_set> raw{result_set{}};
  self->request(db, bound, sql_atom::value,
                std::string{"SELECT type, value FROM sasync_items "
                            "WHERE group_id = ? AND name = ?"},
                std::vector<value>{1, "note"})
      .receive([&](result_set& rs) { raw = std::move(rs); },
               [&](caf::error& e) { raw = std::move(e); });
  CAF_REQUIRE(raw && raw->rows.size() == 1);
  CAF_CHECK_EQUAL(raw->rows[0][0].as_text(), "string");
  auto& bytes = raw->rows[0][1].as_blob();
  CAF_CHECK_EQUAL(std::string(bytes.begin(), bytes.end()), "plain text");
  CAF_CHECK(shutdown(db));
}

CAF_TEST(reading_as_another_type_is_a_type_mismatch_naming_both) {
  auto db = start();
  auto store = require(items_of(self, db, 1, limit));
  CAF_REQUIRE(set(self, store, "ada", ada(), limit));
  auto wrong = get<std::int64_t>(self, store, "ada", limit);
  CAF_REQUIRE(!wrong);
  CAF_CHECK(is(wrong.error(), errc::type_mismatch));
  auto text = sys.render(wrong.error());
  CAF_CHECK_NOT_EQUAL(text.find("test.person"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("int64"), std::string::npos);
  auto all = load_all<team>(self, store, limit);
  CAF_REQUIRE(!all);
  CAF_CHECK(is(all.error(), errc::type_mismatch));
  // The stored value is untouched.
  auto right = get<person>(self, store, "ada", limit);
  CAF_REQUIRE(right && *right);
  CAF_CHECK(**right == ada());
  CAF_CHECK(shutdown(db));
}

CAF_TEST(missing_names_are_values_not_errors) {
  auto db = start();
  auto store = require(items_of(self, db, 1, limit));
  auto absent = get<person>(self, store, "nobody", limit);
  CAF_REQUIRE(absent);
  CAF_CHECK(!*absent);
  auto cells = require(array_of(self, db, 1, limit));
  auto empty = get<std::string>(self, cells, coordinates{1, 2, 3}, limit);
  CAF_REQUIRE(empty);
  CAF_CHECK(!*empty);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(a_corrupt_stored_value_gives_a_clear_error) {
  auto db = start();
  auto store = require(items_of(self, db, 1, limit));
  CAF_REQUIRE(set(self, store, "ok", ada(), limit));
  auto put_raw = [&](std::string name, value type, value bytes) {
    bool done = false;
    self->request(db, bound, sql_atom::value,
                  std::string{"INSERT INTO sasync_items (group_id, name, "
                              "type, value) VALUES (1, ?, ?, ?)"},
                  std::vector<value>{std::move(name), std::move(type),
                                     std::move(bytes)})
        .receive([&](result_set&) { done = true; },
                 [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return done;
  };
  CAF_REQUIRE(put_raw("cut", "test.person", blob{0x03, 'A'}));
  auto cut = get<person>(self, store, "cut", limit);
  CAF_REQUIRE(!cut);
  CAF_CHECK(is(cut.error(), errc::corrupt_value));
  CAF_CHECK_NOT_EQUAL(sys.render(cut.error()).find("test.person"),
                      std::string::npos);
  auto ok = get<person>(self, store, "ok", limit);
  CAF_CHECK(ok && *ok && **ok == ada());
  CAF_CHECK(shutdown(db));
}

CAF_TEST(names_and_items_come_a_page_at_a_time_in_order) {
  auto db = start();
  auto store = require(items_of(self, db, 7, limit));
  // 25 names, the empty one among them, in an order the pages must find.
  std::vector<std::string> names{""};
  for (int i = 0; i < 24; ++i)
    names.push_back("n" + std::to_string(100 + i * 7 % 24));
  for (auto& name : names)
    CAF_REQUIRE(set(self, store, name, "v" + name, limit));
  std::sort(names.begin(), names.end());
  std::vector<std::string> paged_names;
  std::vector<std::string> paged_items;
  for (std::string from;;) {
    auto page = require(detail::ask<std::vector<std::string>>(
        self, store, limit, names_atom::value, from, std::uint32_t{10}));
    auto items = require(detail::ask<std::map<std::string, stored_value>>(
        self, store, limit, load_atom::value, from, std::uint32_t{10}));
    CAF_REQUIRE_LESS_OR_EQUAL(page.size(), 10u);
    CAF_REQUIRE_EQUAL(items.size(), page.size());
    // Each page starts at `from` (inclusive): skip the one seen last.
    auto skip = !paged_names.empty() && !page.empty() && page[0] == from;
    paged_names.insert(paged_names.end(), page.begin() + skip, page.end());
    for (auto& [name, x] : items) {
      if (skip && name == from)
        continue;
      CAF_CHECK_EQUAL(decode<std::string>(x), "v" + name);
      paged_items.push_back(name);
    }
    if (page.size() < 10)
      break;
    from = page.back();
  }
  CAF_CHECK_EQUAL(paged_names, names);
  CAF_CHECK_EQUAL(paged_items, names);
  // Past the last name: an empty page. A page of 0 is refused.
  auto none = require(detail::ask<std::vector<std::string>>(
      self, store, limit, names_atom::value, std::string{"z"},
      std::uint32_t{10}));
  CAF_CHECK(none.empty());
  auto zero = detail::ask<std::vector<std::string>>(
      self, store, limit, names_atom::value, std::string{}, std::uint32_t{0});
  CAF_REQUIRE(!zero);
  CAF_CHECK(is(zero.error(), errc::invalid_argument));
  CAF_CHECK(shutdown(db));
}

CAF_TEST(concurrent_writers_to_one_name_end_with_the_last_acknowledged_value) {
  auto db = start();
  auto store = require(items_of(self, db, 1, limit));
  // Writers forward sets for the collector, so every answer reaches one
  // mailbox in the order the items actor sent it.
  auto writer = [](caf::event_based_actor* me, items target) -> caf::behavior {
    return {[=](const std::string& x) {
      return me->delegate(target, set_atom::value, "hot", encode(x));
    }};
  };
  std::vector<caf::actor> writers;
  for (int i = 0; i < 8; ++i)
    writers.push_back(sys.spawn(writer, store));
  std::promise<std::vector<std::string>> acked;
  auto acked_order = acked.get_future();
  // `writers` goes in as a spawn argument: CAF 0.17 dereferences a null
  // tuple for argument-less spawns.
  sys.spawn(
      [&acked](caf::event_based_actor* me, std::vector<caf::actor> writers) {
        auto order = std::make_shared<std::vector<std::string>>();
        auto total = writers.size() * 40;
        for (std::size_t n = 0; n < 40; ++n)
          for (std::size_t i = 0; i < writers.size(); ++i) {
            auto x = "w" + std::to_string(i) + "-" + std::to_string(n);
            me->request(writers[i], caf::infinite, x)
                .then(
                    [=, &acked] {
                      order->push_back(x);
                      if (order->size() == total)
                        acked.set_value(*order);
                    },
                    [=, &acked](caf::error&) {
                      order->push_back("error");
                      if (order->size() == total)
                        acked.set_value(*order);
                    });
          }
      },
      writers);
  CAF_REQUIRE(acked_order.wait_for(bound) == std::future_status::ready);
  auto order = acked_order.get();
  CAF_CHECK_EQUAL(std::count(order.begin(), order.end(), "error"), 0);
  auto last = get<std::string>(self, store, "hot", limit);
  CAF_REQUIRE(last && *last);
  CAF_CHECK_EQUAL(**last, order.back());
  for (auto& w : writers)
    caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(dict_keeps_the_order_of_interleaved_sets_and_deletes) {
  auto db = start();
  auto cache = require(dict_of(self, db, 2, limit));
  std::map<std::string, std::string> model;
  std::minstd_rand pick{42};
  std::vector<decltype(self->request(cache, bound, flush_atom::value))> answers;
  for (int n = 0; n < 400; ++n) {
    auto name = "k" + std::to_string(pick() % 6);
    if (pick() % 3 == 0) {
      model.erase(name);
      answers.push_back(self->request(cache, bound, delete_atom::value,
                                      std::vector<std::string>{name}));
    } else {
      auto x = name + "=" + std::to_string(n);
      model[name] = x;
      answers.push_back(
          self->request(cache, bound, set_atom::value, name, encode(x)));
    }
  }
  int ok = 0;
  for (auto& a : answers)
    a.receive([&] { ++ok; }, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK_EQUAL(ok, 400);
  // The cache answers at once ...
  for (auto& [name, x] : model) {
    auto cached = get<std::string>(self, cache, name, limit);
    CAF_CHECK(cached && *cached && **cached == x);
  }
  // ... and after flush the database agrees, read past the dict.
  bool flushed = false;
  self->request(cache, bound, flush_atom::value)
      .receive([&] { flushed = true; },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_REQUIRE(flushed);
  CAF_CHECK(stored_in<std::string>(db, 2) == model);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(preload_answers_every_read_from_memory) {
  auto db = start();
  auto store = require(items_of(self, db, 3, limit));
  CAF_REQUIRE(set(self, store, "a", std::string{"ay"}, limit));
  CAF_REQUIRE(set(self, store, "b", std::string{"bee"}, limit));
  auto cache = require(dict_of(self, db, 3, limit));
  bool loaded = false;
  self->request(cache, bound, preload_atom::value)
      .receive([&] { loaded = true; },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_REQUIRE(loaded);
  // Remove the rows behind the dict's back: it must not notice.
  self->request(db, bound, sql_atom::value,
                std::string{"DELETE FROM sasync_items WHERE group_id = 3"},
                std::vector<value>{})
      .receive([](result_set&) {},
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  auto a = get<std::string>(self, cache, "a", limit);
  CAF_CHECK(a && *a && **a == "ay");
  auto none = get<std::string>(self, cache, "zz", limit);
  CAF_CHECK(none && !*none);
  std::vector<std::string> names;
  self->request(cache, bound, names_atom::value)
      .receive([&](std::vector<std::string>& x) { names = std::move(x); },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK_EQUAL(names, (std::vector<std::string>{"a", "b"}));
  CAF_CHECK(shutdown(db));
}

CAF_TEST(flushed_and_acknowledged_values_survive_a_restart) {
  auto db = start();
  auto cache = require(dict_of(self, db, 4, limit));
  auto store = require(items_of(self, db, 5, limit));
  std::map<std::string, std::string> in_dict;
  std::map<std::string, std::string> in_items;
  for (int i = 0; i < 200; ++i) {
    auto name = "n" + std::to_string(i);
    in_dict[name] = "dict " + std::to_string(i);
    CAF_REQUIRE(set(self, cache, name, in_dict[name], limit));
  }
  for (int i = 0; i < 50; ++i) {
    auto name = "n" + std::to_string(i);
    in_items[name] = "items " + std::to_string(i);
    CAF_REQUIRE(set(self, store, name, in_items[name], limit));
  }
  bool flushed = false;
  self->request(cache, bound, flush_atom::value)
      .receive([&] { flushed = true; },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_REQUIRE(flushed);
  CAF_REQUIRE(shutdown(db));
  auto again = start();
  CAF_CHECK(stored_in<std::string>(again, 4) == in_dict);
  CAF_CHECK(stored_in<std::string>(again, 5) == in_items);
  CAF_CHECK(shutdown(again));
}

CAF_TEST(shutdown_flushes_the_dict_without_being_asked) {
  auto db = start();
  auto cache = require(dict_of(self, db, 6, limit));
  std::map<std::string, std::int64_t> written;
  for (std::int64_t i = 0; i < 300; ++i) {
    written["v" + std::to_string(i % 97)] = i;
    CAF_REQUIRE(set(self, cache, "v" + std::to_string(i % 97), i, limit));
  }
  CAF_REQUIRE(shutdown(db));
  auto again = start();
  CAF_CHECK(stored_in<std::int64_t>(again, 6) == written);
  CAF_CHECK(shutdown(again));
}

namespace {

/// Holds the broker's only writer in a transaction until released: to the
/// dict, the database stops answering writes.
struct stuck_writer {
  std::promise<void> started;
  std::shared_ptr<std::promise<void>> release =
      std::make_shared<std::promise<void>>();

  /// Sends the holding transaction and waits until it runs; the answer
  /// comes once it is let go.
  auto hold(caf::scoped_actor& self, const broker& db) {
    auto running = started.get_future();
    auto until = release->get_future().share();
    auto begun = std::make_shared<std::promise<void>>(std::move(started));
    auto answer = self->request(
        db, bound, transact_atom::value,
        job_ptr{make_job(access_mode::write,
                         [begun, until](auto&) {
                           begun->set_value();
                           until.wait_for(bound);
                         })},
        niceness(0));
    CAF_REQUIRE(running.wait_for(bound) == std::future_status::ready);
    return answer;
  }

  void let_go() { release->set_value(); }
};

} // namespace

CAF_TEST(a_dict_refuses_writes_beyond_queue_capacity_while_writes_are_stuck) {
  broker_config bc;
  bc.engine = engine_config::parse(where.url());
  bc.engine->set_option("pool-size", "1");
  bc.engine->set_option("max-overflow", "0");
  bc.queue_capacity = 50;
  auto db = spawn_broker(sys, bc);
  auto cache = require(dict_of(self, db, 9, limit));
  stuck_writer writer;
  auto held = writer.hold(self, db);
  std::set<std::string> accepted;
  int overloaded = 0;
  for (int i = 0; i < 500; ++i) {
    auto name = "w" + std::to_string(i);
    auto x = set(self, cache, name, std::int64_t{i}, limit);
    if (x)
      accepted.insert(name);
    else if (is(x.error(), errc::overloaded))
      ++overloaded;
    else
      CAF_FAIL(sys.render(x.error()));
  }
  // A new write to a name that waits already takes no more room.
  auto again = set(self, cache, *accepted.begin(), std::int64_t{-1}, limit);
  CAF_MESSAGE(accepted.size() << " of 500 sets accepted, " << overloaded
                              << " refused with overloaded");
  CAF_CHECK_LESS_OR_EQUAL(accepted.size(), 50u);
  CAF_CHECK_GREATER(overloaded, 0);
  CAF_CHECK(again);
  writer.let_go();
  held.receive([] {}, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  bool flushed = false;
  self->request(cache, bound, flush_atom::value)
      .receive([&] { flushed = true; },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_REQUIRE(flushed);
  auto stored = stored_in<std::int64_t>(db, 9);
  std::set<std::string> stored_names;
  for (auto& kvp : stored)
    stored_names.insert(kvp.first);
  CAF_CHECK(stored_names == accepted);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(a_dict_keeps_its_recent_clean_entries_and_every_unwritten_one) {
  broker_config bc;
  bc.engine = engine_config::parse(where.url());
  bc.engine->set_option("pool-size", "1");
  bc.engine->set_option("max-overflow", "0");
  bc.dict_cache_capacity = 10;
  auto db = spawn_broker(sys, bc);
  auto cache = require(dict_of(self, db, 8, limit));
  // Unwritten entries stay, however many: the writer is stuck, and a read
  // that reached the database would not see them.
  stuck_writer writer;
  auto held = writer.hold(self, db);
  for (std::int64_t i = 0; i < 30; ++i)
    CAF_REQUIRE(set(self, cache, "d" + std::to_string(i), i, limit));
  for (std::int64_t i = 0; i < 30; ++i) {
    auto x = get<std::int64_t>(self, cache, "d" + std::to_string(i),
                               caf::duration{std::chrono::seconds(5)});
    CAF_CHECK(x && *x && **x == i);
  }
  writer.let_go();
  held.receive([] {}, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  self->request(cache, bound, flush_atom::value)
      .receive([] {}, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  // Written, they are clean: the least recently used go first. d0 was
  // read last of all, so it stays.
  for (std::int64_t i = 1; i < 30; ++i)
    CAF_REQUIRE(get<std::int64_t>(self, cache, "d" + std::to_string(i), limit));
  CAF_REQUIRE(get<std::int64_t>(self, cache, "d0", limit));
  // Remove the rows behind the dict's back: what it still answers, it
  // answers from its cache.
  self->request(db, bound, sql_atom::value,
                std::string{"DELETE FROM sasync_items WHERE group_id = 8"},
                std::vector<value>{})
      .receive([](result_set&) {},
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  // The ten used last: d21..d29, then d0.
  std::vector<std::string> cached;
  for (std::int64_t i : {0, 21, 22, 23, 24, 25, 26, 27, 28, 29}) {
    auto x = get<std::int64_t>(self, cache, "d" + std::to_string(i), limit);
    CAF_REQUIRE(x);
    if (*x && **x == i)
      cached.push_back("d" + std::to_string(i));
  }
  CAF_MESSAGE(cached.size() << " of the 10 entries used last answered from "
                               "the cache");
  CAF_CHECK_EQUAL(cached.size(), 10u);
  // d1 was dropped: the database answers, and it no longer has it.
  auto d1 = get<std::int64_t>(self, cache, "d1", limit);
  CAF_CHECK(d1 && !*d1);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(a_preloaded_dict_larger_than_its_cache_still_answers_every_name) {
  broker_config bc;
  bc.engine = engine_config::parse(where.url());
  bc.dict_cache_capacity = 10;
  auto db = spawn_broker(sys, bc);
  auto store = require(items_of(self, db, 10, limit));
  for (std::int64_t i = 0; i < 25; ++i)
    CAF_REQUIRE(set(self, store, "p" + std::to_string(i), i, limit));
  auto cache = require(dict_of(self, db, 10, limit));
  self->request(cache, bound, preload_atom::value)
      .receive([] {}, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_REQUIRE(set(self, cache, "p0", std::int64_t{100}, limit));
  CAF_REQUIRE(set(self, cache, "q", std::int64_t{7}, limit));
  std::vector<std::string> names = {"p1"};
  self->request(cache, bound, delete_atom::value, names)
      .receive([] {}, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  for (std::int64_t i = 2; i < 25; ++i) {
    auto x = get<std::int64_t>(self, cache, "p" + std::to_string(i), limit);
    CAF_CHECK(x && *x && **x == i);
  }
  auto p0 = get<std::int64_t>(self, cache, "p0", limit);
  CAF_CHECK(p0 && *p0 && **p0 == 100);
  auto p1 = get<std::int64_t>(self, cache, "p1", limit);
  CAF_CHECK(p1 && !*p1);
  auto q = get<std::int64_t>(self, cache, "q", limit);
  CAF_CHECK(q && *q && **q == 7);
  std::vector<std::string> listed;
  self->request(cache, bound, names_atom::value)
      .receive([&](std::vector<std::string>& x) { listed = std::move(x); },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK_EQUAL(listed.size(), 25u); // p0, p2..p24 and q
  CAF_CHECK(shutdown(db));
}

// The broker monitors the group actors it made: one that dies (here, killed
// in this process; peers cannot send exit messages) is replaced on the next
// request, and what it committed is there.
CAF_TEST(a_group_actor_that_dies_is_replaced_on_the_next_request) {
  auto db = start();
  auto store = require(items_of(self, db, 7, limit));
  CAF_REQUIRE(set(self, store, "name", std::string{"value"}, limit));
  auto words = require(dict_of(self, db, 7, limit));
  auto cells = require(array_of(self, db, 7, limit));
  for (auto dead : {caf::actor_cast<caf::actor>(store),
                    caf::actor_cast<caf::actor>(words),
                    caf::actor_cast<caf::actor>(cells)}) {
    self->monitor(dead);
    caf::anon_send_exit(dead, caf::exit_reason::kill);
    self->receive([](const caf::down_msg&) {});
  }
  auto fresh = require(items_of(self, db, 7, limit));
  CAF_CHECK_NOT_EQUAL(fresh.id(), store.id());
  auto got = get<std::string>(self, fresh, "name", limit);
  if (!got)
    CAF_FAIL(sys.render(got.error()));
  CAF_CHECK_EQUAL(got->value_or(""), "value");
  auto fresh_words = require(dict_of(self, db, 7, limit));
  CAF_CHECK(set(self, fresh_words, "w", std::string{"x"}, limit));
  auto fresh_cells = require(array_of(self, db, 7, limit));
  CAF_CHECK(set(self, fresh_cells, coordinates{1, 2, 3}, std::string{"c"},
                limit));
  CAF_CHECK(shutdown(db));
}

namespace {

/// True when `err` is an answer, not the requester giving up on silence.
bool answered(const caf::error& err) {
  return err.category() != caf::atom("system") ||
         err.code() != static_cast<std::uint8_t>(caf::sec::request_timeout);
}

} // namespace

CAF_TEST(a_killed_group_actor_answers_every_request_it_took) {
  // Requests a group actor took and had not answered when it was killed
  // (one waiting for the queue, one behind it on the same name, a flush
  // waiting for a write behind) are answered with an error, not dropped:
  // the broker and the items actor ask group actors without a timeout.
  auto db = start(1); // one connection: the stuck writer holds it
  auto store = require(items_of(self, db, 9, limit));
  auto cells = require(array_of(self, db, 9, limit));
  auto words = require(dict_of(self, db, 10, limit));
  stuck_writer writer;
  auto held = writer.hold(self, db);
  auto value = encode(std::string{"x"});
  auto first = self->request(store, limit, set_atom::value, std::string{"n"},
                             value);
  auto second = self->request(store, limit, set_atom::value,
                              std::string{"n"}, value);
  auto cell = self->request(cells, limit, set_atom::value, std::int64_t{1},
                            std::int64_t{2}, std::int64_t{3}, value);
  CAF_REQUIRE(set(self, words, "w", std::string{"x"}, limit));
  auto flushed = self->request(words, limit, flush_atom::value);
  // Each actor takes these before its kill: one mailbox, in order.
  self->send_exit(store, caf::exit_reason::kill);
  self->send_exit(cells, caf::exit_reason::kill);
  self->send_exit(words, caf::exit_reason::kill);
  std::vector<caf::error> errors(4);
  auto keep = [&](std::size_t i) {
    return [&errors, i](caf::error& err) { errors[i] = std::move(err); };
  };
  first.receive([] {}, keep(0));
  second.receive([] {}, keep(1));
  cell.receive([] {}, keep(2));
  flushed.receive([] {}, keep(3));
  writer.let_go();
  held.receive([] {}, [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  for (auto& err : errors) {
    CAF_CHECK(err);
    CAF_CHECK(answered(err));
    CAF_MESSAGE(sys.render(err));
  }
  CAF_CHECK(shutdown(db));
}

CAF_TEST(an_items_write_through_a_dict_killed_meanwhile_is_answered) {
  // An items write on a group whose dict lives runs through the dict; the
  // dict is killed while the write waits in the queue. The write is
  // answered, and the name takes writes again.
  auto db = start(1); // one connection: the stuck writer holds it
  auto store = require(items_of(self, db, 11, limit));
  auto words = require(dict_of(self, db, 11, limit));
  CAF_REQUIRE(get<std::string>(self, words, "k", limit));
  stuck_writer writer;
  auto held = writer.hold(self, db);
  auto write = self->request(store, limit, set_atom::value, std::string{"k"},
                             encode(std::string{"items"}));
  auto waiting = [&] { return require(status(self, db, limit)).queue.waiting; };
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (waiting() < 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  CAF_REQUIRE(waiting() >= 1u);
  self->send_exit(words, caf::exit_reason::kill);
  caf::error err;
  bool done = false;
  write.receive([&] { done = true; }, [&](caf::error& e) { err = std::move(e); });
  writer.let_go();
  held.receive([] {}, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK(done || answered(err));
  if (err)
    CAF_MESSAGE(sys.render(err));
  CAF_CHECK(set(self, store, "k", std::string{"after"}, limit));
  CAF_CHECK(require(get<std::string>(self, store, "k", limit)) ==
            std::optional<std::string>{"after"});
  CAF_CHECK(shutdown(db));
}

CAF_TEST(array_cells_set_get_delete_and_clear) {
  auto db = start();
  auto cells = require(array_of(self, db, 1, limit));
  auto other = require(array_of(self, db, 2, limit));
  coordinates far{-1, 0, std::int64_t{1} << 40};
  CAF_REQUIRE(set(self, cells, coordinates{1, 2, 3}, std::string{"a"}, limit));
  CAF_REQUIRE(set(self, cells, far, ada(), limit));
  CAF_REQUIRE(set(self, cells, coordinates{1, 2, 3}, std::string{"b"}, limit));
  CAF_REQUIRE(set(self, other, coordinates{1, 2, 3}, std::string{"o"}, limit));
  auto b = get<std::string>(self, cells, coordinates{1, 2, 3}, limit);
  CAF_CHECK(b && *b && **b == "b");
  auto who = get<person>(self, cells, far, limit);
  CAF_CHECK(who && *who && **who == ada());
  auto mismatch = get<std::string>(self, cells, far, limit);
  CAF_CHECK(!mismatch && is(mismatch.error(), errc::type_mismatch));
  auto erase = [&](coordinates at) {
    std::optional<bool> existed;
    self->request(cells, bound, delete_atom::value, at.x, at.y, at.z)
        .receive([&](bool x) { existed = x; },
                 [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return existed;
  };
  CAF_CHECK_EQUAL(erase({1, 2, 3}), std::optional<bool>{true});
  CAF_CHECK_EQUAL(erase({1, 2, 3}), std::optional<bool>{false});
  auto gone = get<std::string>(self, cells, coordinates{1, 2, 3}, limit);
  CAF_CHECK(gone && !*gone);
  CAF_REQUIRE(set(self, cells, coordinates{0, 0, 0}, 7, limit));
  std::optional<std::uint64_t> cleared;
  self->request(cells, bound, clear_atom::value)
      .receive([&](std::uint64_t n) { cleared = n; },
               [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK_EQUAL(cleared, std::optional<std::uint64_t>{2});
  CAF_CHECK(!*get<person>(self, cells, far, limit));
  auto kept = get<std::string>(self, other, coordinates{1, 2, 3}, limit);
  CAF_CHECK(kept && *kept && **kept == "o");
  CAF_CHECK(shutdown(db));
}

CAF_TEST(event_based_actors_use_the_same_helpers) {
  auto db = start();
  auto store = require(items_of(self, db, 9, limit));
  std::promise<std::string> outcome;
  auto result = outcome.get_future();
  sys.spawn(
      [&outcome](caf::event_based_actor* me, items target) {
        auto fail = [&outcome](caf::error& e) {
          outcome.set_value("error: " + to_string(e));
        };
        set(
            me, target, "ada", ada(),
            [=, &outcome] {
              get<person>(
                  me, target, "ada",
                  [&outcome](std::optional<person> x) {
                    outcome.set_value(x && *x == ada() ? "round trip"
                                                       : "wrong value");
                  },
                  fail);
            },
            fail);
      },
      store);
  CAF_REQUIRE(result.wait_for(bound) == std::future_status::ready);
  CAF_CHECK_EQUAL(result.get(), "round trip");
  CAF_CHECK(shutdown(db));
}

CAF_TEST(a_failing_request_in_a_batch_fails_alone) {
  auto db = start(1); // one writer: everything queued goes into one batch
  CAF_REQUIRE(transact(self, db, [](transaction_scope& c) {
    c.execute_script("CREATE TABLE IF NOT EXISTS batch_rows (n INTEGER)");
    c.execute_script("DELETE FROM batch_rows");
  }));
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
  std::vector<decltype(blocker)> queued;
  for (int i = 0; i < 16; ++i)
    queued.push_back(self->request(
        db, bound, transact_atom::value,
        job_ptr{make_job(access_mode::write,
                         [i](transaction_scope& c) {
                           c.execute("INSERT INTO batch_rows (n) VALUES (?)",
                                     {i});
                           if (i == 7)
                             throw std::runtime_error("request 7 fails");
                         })},
        niceness(0)));
  broker_status before;
  self->request(db, bound, status_atom::value)
      .receive([&](broker_status& x) { before = x; }, [](caf::error&) {});
  CAF_CHECK_EQUAL(before.queue.waiting, 16u);
  release.set_value();
  blocker.receive([] {}, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  std::vector<std::string> outcomes;
  for (auto& q : queued)
    q.receive([&] { outcomes.push_back("ok"); },
              [&](caf::error& e) { outcomes.push_back(sys.render(e)); });
  for (int i = 0; i < 16; ++i)
    if (i == 7)
      CAF_CHECK_NOT_EQUAL(outcomes[i].find("request 7 fails"),
                          std::string::npos);
    else
      CAF_CHECK_EQUAL(outcomes[i], "ok");
  broker_status after;
  self->request(db, bound, status_atom::value)
      .receive([&](broker_status& x) { after = x; }, [](caf::error&) {});
  // The blocker's batch counted when it started: the 16 ran as one more.
  CAF_CHECK_EQUAL(after.queue.batches, before.queue.batches + 1);
  caf::expected<result_set> rows{result_set{}};
  self->request(db, bound, sql_atom::value,
                std::string{"SELECT n FROM batch_rows ORDER BY n"},
                std::vector<value>{})
      .receive([&](result_set& rs) { rows = std::move(rs); },
               [&](caf::error& e) { rows = std::move(e); });
  CAF_REQUIRE(rows);
  CAF_REQUIRE_EQUAL(rows->rows.size(), 15u);
  for (auto& row : rows->rows)
    CAF_CHECK_NOT_EQUAL(row[0].as_integer(), 7);
  CAF_CHECK(transact(self, db, [](transaction_scope& c) {
    c.execute_script("DROP TABLE batch_rows");
  }));
  CAF_CHECK(shutdown(db));
}

CAF_TEST(a_broker_restart_in_a_stream_of_writes_loses_no_acknowledged_one) {
  auto db = start();
  auto store = require(items_of(self, db, 8, limit));
  using handle = decltype(self->request(store, bound, set_atom::value,
                                        std::string{}, stored_value{}));
  std::vector<std::pair<std::string, handle>> stream;
  for (int i = 0; i < 400; ++i) {
    auto name = "s" + std::to_string(i);
    stream.emplace_back(name, self->request(store, bound, set_atom::value, name,
                                            encode(std::int64_t{i})));
    if (i == 200)
      self->send(db, shutdown_atom::value); // mid-stream, not awaited
  }
  std::map<std::string, std::int64_t> acknowledged;
  int refused = 0;
  for (auto& [name, h] : stream)
    h.receive(
        [&, name = name] { acknowledged[name] = std::stoll(name.substr(1)); },
        [&](caf::error&) { ++refused; });
  CAF_MESSAGE(acknowledged.size()
              << " acknowledged, " << refused << " refused");
  CAF_CHECK_GREATER_OR_EQUAL(acknowledged.size(), 200u);
  CAF_CHECK_EQUAL(acknowledged.size() + refused, 400u);
  // The stream goes on against a new broker on the same database.
  auto again = start();
  auto resumed = require(items_of(self, again, 8, limit));
  for (int i = 400; i < 450; ++i) {
    auto name = "s" + std::to_string(i);
    CAF_REQUIRE(set(self, resumed, name, std::int64_t{i}, limit));
    acknowledged[name] = i;
  }
  auto stored = stored_in<std::int64_t>(again, 8);
  for (auto& [name, x] : acknowledged) {
    auto i = stored.find(name);
    CAF_CHECK(i != stored.end() && i->second == x);
  }
  CAF_CHECK(shutdown(again));
}

namespace {

using detail::item_get_job;
using detail::item_set_job;

std::size_t failures(const std::vector<caf::error>& errors) {
  return static_cast<std::size_t>(
      std::count_if(errors.begin(), errors.end(),
                    [](const caf::error& e) { return bool{e}; }));
}

} // namespace

CAF_TEST(sets_and_gets_sharing_a_batch_run_as_one_statement) {
  echo_capture echo;
  auto conn = echoing_connection();
  job_batch sets;
  for (int i = 0; i < 10; ++i)
    sets.emplace_back(std::make_shared<item_set_job>(7, "n" + std::to_string(i),
                                                     encode(std::int64_t{i})));
  auto set_errors = run_batch(conn, sets);
  CAF_REQUIRE_EQUAL(set_errors.size(), 10u);
  CAF_CHECK_EQUAL(failures(set_errors), 0u);
  CAF_CHECK_EQUAL(echo.count("INSERT INTO sasync_items"), 1u);
  CAF_CHECK_EQUAL(echo.count("SAVEPOINT"), 0u);
  std::vector<std::shared_ptr<item_get_job>> gets;
  job_batch get_jobs;
  for (int i : {3, 11, 0, 9, 3}) { // n11 is missing; n3 asked twice
    gets.emplace_back(
        std::make_shared<item_get_job>(7, "n" + std::to_string(i)));
    get_jobs.emplace_back(gets.back());
  }
  CAF_CHECK_EQUAL(failures(run_batch(conn, get_jobs)), 0u);
  CAF_CHECK_EQUAL(echo.count("FROM sasync_items WHERE group_id = "), 1u);
  std::vector<std::optional<std::int64_t>> got;
  for (auto& g : gets) {
    auto x = g->take();
    got.emplace_back(x ? std::optional<std::int64_t>{decode<std::int64_t>(*x)}
                       : std::nullopt);
  }
  CAF_CHECK(got == (std::vector<std::optional<std::int64_t>>{3, std::nullopt, 0,
                                                             9, 3}));
  close(conn);
}

CAF_TEST(a_set_that_fails_in_a_merged_statement_fails_alone) {
  auto conn = echoing_connection();
  // The database refuses one name, so the merged insert fails as a whole
  // and each set runs again on its own.
  auto refuse =
      open_connection(engine_config::parse(where.url()), access_mode::write);
  if (refuse->dialect() == dialect_kind::sqlite)
    refuse->execute_script(
        "CREATE TRIGGER refuse_name BEFORE INSERT ON sasync_items WHEN "
        "NEW.name = 'refused' BEGIN SELECT RAISE(ABORT, 'refused name'); "
        "END");
  else
    refuse->execute_script(
        "CREATE OR REPLACE FUNCTION sasync_refuse_name() RETURNS trigger AS "
        "$$ BEGIN IF NEW.name = 'refused' THEN RAISE EXCEPTION 'refused "
        "name'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql; CREATE TRIGGER "
        "refuse_name BEFORE INSERT ON sasync_items FOR EACH ROW EXECUTE "
        "FUNCTION sasync_refuse_name()");
  job_batch sets;
  for (auto name : {"a", "refused", "b", "c"})
    sets.emplace_back(std::make_shared<item_set_job>(7, name, encode(name)));
  auto errors = run_batch(conn, sets);
  CAF_REQUIRE_EQUAL(errors.size(), 4u);
  CAF_CHECK(!errors[0] && !errors[2] && !errors[3]);
  CAF_CHECK(is(errors[1], errc::database_error));
  CAF_CHECK_NOT_EQUAL(sys.render(errors[1]).find("refused name"),
                      std::string::npos);
  refuse->begin(access_mode::read);
  CAF_CHECK_EQUAL(item_names(*refuse, 7),
                  (std::vector<std::string>{"a", "b", "c"}));
  refuse->rollback();
  if (refuse->dialect() == dialect_kind::postgresql)
    refuse->execute_script("DROP TABLE sasync_items; DROP FUNCTION "
                           "sasync_refuse_name()");
  close(conn);
}

CAF_TEST(gets_and_sets_sharing_a_batch_commit_by_kind_and_a_failing_set_fails_alone) {
  auto conn = echoing_connection();
  CAF_CHECK_EQUAL(
      failures(run_batch(
          conn, {std::make_shared<item_set_job>(7, "a", encode(1)),
                 std::make_shared<item_set_job>(7, "b", encode(2))})),
      0u);
  auto raw =
      open_connection(engine_config::parse(where.url()), access_mode::write);
  auto postgresql = raw->dialect() == dialect_kind::postgresql;
  auto get_a = std::make_shared<item_get_job>(7, "a");
  auto get_b = std::make_shared<item_get_job>(7, "b");
  {
    // set, get, set, get: two writing runs are one transaction, which
    // waits for one WAL flush, not two.
    echo_capture echo;
    auto errors = run_batch(
        conn, {std::make_shared<item_set_job>(7, "c", encode(3)), get_a,
               std::make_shared<item_set_job>(7, "d", encode(4)), get_b});
    CAF_CHECK_EQUAL(failures(errors), 0u);
    auto first = get_a->take();
    CAF_CHECK(first && decode<int>(*first) == 1);
    CAF_CHECK_EQUAL(echo.count("BEGIN"), 1u);
    CAF_CHECK_GREATER(echo.count("SAVEPOINT"), 0u);
  }
  {
    echo_capture echo;
    auto errors = run_batch(
        conn, {get_a, get_b, std::make_shared<item_set_job>(7, "e", encode(5)),
               std::make_shared<item_set_job>(7, "f", encode(6))});
    CAF_CHECK_EQUAL(failures(errors), 0u);
    auto second = get_b->take();
    CAF_CHECK(second && decode<int>(*second) == 2);
    // A run of gets and a run of sets: two statements, each committing by
    // itself, and no transaction (on SQLite, no statement journal either).
    CAF_CHECK_EQUAL(echo.count("SAVEPOINT"), 0u);
    CAF_CHECK_EQUAL(echo.count("BEGIN"), 0u);
    CAF_CHECK_EQUAL(echo.count("INSERT INTO sasync_items"), 1u);
  }
  // The sets' statement fails: the gets before it stand, and each set runs
  // again alone, in a transaction.
  if (raw->dialect() == dialect_kind::sqlite)
    raw->execute_script(
        "CREATE TRIGGER refuse_name BEFORE INSERT ON sasync_items WHEN "
        "NEW.name = 'refused' BEGIN SELECT RAISE(ABORT, 'refused name'); "
        "END");
  else
    raw->execute_script(
        "CREATE OR REPLACE FUNCTION sasync_refuse_name() RETURNS trigger AS "
        "$$ BEGIN IF NEW.name = 'refused' THEN RAISE EXCEPTION 'refused "
        "name'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql; CREATE TRIGGER "
        "refuse_name BEFORE INSERT ON sasync_items FOR EACH ROW EXECUTE "
        "FUNCTION sasync_refuse_name()");
  auto errors = run_batch(
      conn, {get_a, get_b, std::make_shared<item_set_job>(7, "g", encode(7)),
             std::make_shared<item_set_job>(7, "refused", encode(8)),
             std::make_shared<item_set_job>(7, "h", encode(9))});
  CAF_REQUIRE_EQUAL(errors.size(), 5u);
  CAF_CHECK(!errors[0] && !errors[1] && !errors[2] && !errors[4]);
  CAF_CHECK(is(errors[3], errc::database_error));
  auto first = get_a->take();
  CAF_CHECK(first && decode<int>(*first) == 1);
  raw->begin(access_mode::read);
  CAF_CHECK_EQUAL(item_names(*raw, 7),
                  (std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g",
                                            "h"}));
  raw->rollback();
  if (postgresql)
    raw->execute_script("DROP TABLE sasync_items; DROP FUNCTION "
                        "sasync_refuse_name()");
  close(conn);
}

CAF_TEST(a_corrupt_row_among_merged_gets_fails_alone) {
  auto conn = echoing_connection();
  auto raw =
      open_connection(engine_config::parse(where.url()), access_mode::write);
  if (raw->dialect() != dialect_kind::sqlite) {
    // PostgreSQL's typed columns cannot hold a row of the wrong types.
    close(conn);
    return;
  }
  CAF_CHECK_EQUAL(
      failures(run_batch(
          conn, {std::make_shared<item_set_job>(7, "ok", encode(1)),
                 std::make_shared<item_set_job>(7, "ok2", encode(2))})),
      0u);
  raw->execute_script("INSERT INTO sasync_items (group_id, name, type, "
                      "value) VALUES (7, 'bad', 12, 'x')");
  auto ok = std::make_shared<item_get_job>(7, "ok");
  auto bad = std::make_shared<item_get_job>(7, "bad");
  auto ok2 = std::make_shared<item_get_job>(7, "ok2");
  auto errors = run_batch(conn, {ok, bad, ok2});
  CAF_REQUIRE_EQUAL(errors.size(), 3u);
  CAF_CHECK(!errors[0] && !errors[2]);
  CAF_CHECK(is(errors[1], errc::corrupt_value));
  auto first = ok->take();
  auto second = ok2->take();
  CAF_CHECK(first && decode<int>(*first) == 1);
  CAF_CHECK(second && decode<int>(*second) == 2);
  close(conn);
}

namespace {

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

} // namespace

CAF_TEST(
    ten_times_the_capacity_at_once_refuses_the_excess_and_finishes_the_rest) {
  broker_config bc;
  bc.engine = engine_config::parse(where.url());
  bc.queue_capacity = 500;
  auto db = spawn_broker(sys, bc);
  auto store = require(items_of(self, db, 3, limit));
  // Half on names of their own (they wait in the queue), half on one name
  // (they wait in the items actor, behind each other).
  std::vector<std::string> names;
  for (int i = 0; i < 2500; ++i)
    names.push_back("own-" + std::to_string(i));
  for (int i = 0; i < 2500; ++i)
    names.push_back("hot");
  auto rss_before = peak_rss_kb();
  auto done = std::make_shared<std::promise<flood_result>>();
  auto result = done->get_future();
  caf::anon_send(sys.spawn(set_flood, store, std::string(100, 'v'), done),
                 names);
  CAF_REQUIRE(result.wait_for(bound) == std::future_status::ready);
  auto r = result.get();
  CAF_MESSAGE(r.acked.size() << " of 5000 accepted and committed, "
                             << r.overloaded << " refused with overloaded; "
                             << "peak RSS grew by "
                             << (peak_rss_kb() - rss_before) / 1024 << " MB");
  CAF_CHECK(r.other_errors.empty());
  if (!r.other_errors.empty())
    CAF_MESSAGE("first other error: " << r.other_errors.front());
  CAF_CHECK_GREATER(r.overloaded, 0u);
  CAF_CHECK_EQUAL(r.acked.size() + r.overloaded, 5000u);
  // Every accepted set committed: the stored names are exactly those of
  // the acknowledged sets.
  auto acked_names = r.acked;
  acked_names.erase(std::unique(acked_names.begin(), acked_names.end()),
                    acked_names.end());
  auto stored = stored_in<std::string>(db, 3);
  std::vector<std::string> stored_names;
  for (auto& entry : stored)
    stored_names.push_back(entry.first);
  CAF_CHECK_EQUAL(stored_names, acked_names);
  CAF_CHECK(shutdown(db));
}

// PostgreSQL cuts text at a NUL byte and refuses invalid UTF-8, so
// `key\0one` and `key\0two` would be one row there: every backend refuses
// such names (and type names) before anything is written, so a database
// can move between backends.
CAF_TEST(names_a_backend_cannot_store_exactly_are_refused_before_any_write) {
  auto db = start();
  auto store = require(items_of(self, db, 31, limit));
  auto invalid = [&](const auto& answer, const char* what) {
    if (answer) {
      CAF_ERROR(what << " was accepted");
      return false;
    }
    CAF_MESSAGE(what << ": " << sys.render(answer.error()));
    return is(answer.error(), errc::invalid_argument);
  };
  std::string one{"key\0one", 7};
  std::string two{"key\0two", 7};
  CAF_CHECK(invalid(set(self, store, one, std::string{"first"}, limit),
                    "a name with a NUL byte"));
  CAF_CHECK(invalid(set(self, store, two, std::string{"second"}, limit),
                    "another name with a NUL byte"));
  for (auto bad : {"\xff", "caf\xc3", "\xc0\xaf", "\xed\xa0\x80",
                   "\xf4\x90\x80\x80"})
    CAF_CHECK(invalid(set(self, store, bad, std::string{"x"}, limit),
                      "a name that is not UTF-8"));
  CAF_CHECK(invalid(detail::ask<void>(self, store, limit, set_atom::value,
                                      std::string{"typed"},
                                      stored_value{std::string{"in\0t", 4}, {}}),
                    "a type name with a NUL byte"));
  CAF_CHECK(invalid(get<std::string>(self, store, one, limit),
                    "get of such a name"));
  CAF_CHECK(invalid(detail::ask<std::uint64_t>(self, store, limit,
                                               delete_atom::value,
                                               std::vector<std::string>{one}),
                    "delete of such a name"));
  auto words = require(dict_of(self, db, 31, limit));
  CAF_CHECK(invalid(set(self, words, one, std::string{"first"}, limit),
                    "a dict key with a NUL byte"));
  CAF_CHECK(invalid(get<std::string>(self, words, two, limit),
                    "a dict get of such a key"));
  CAF_REQUIRE(detail::ask<void>(self, words, limit, flush_atom::value));
  // Nothing reached the table.
  auto names = detail::ask<std::vector<std::string>>(self, store, limit,
                                                     names_atom::value);
  CAF_REQUIRE(names);
  CAF_CHECK_EQUAL(names->size(), 0u);
  for (auto& name : *names)
    CAF_MESSAGE("stored: " << name.size() << " bytes");
  // Any valid UTF-8 is kept exactly.
  std::string cyrillic = "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87";
  std::string emoji = "\xf0\x9f\x98\x80 \xe2\x82\xac";
  CAF_REQUIRE(set(self, store, cyrillic, std::string{"k"}, limit));
  CAF_REQUIRE(set(self, store, emoji, std::string{"e"}, limit));
  CAF_CHECK_EQUAL(require(get<std::string>(self, store, emoji, limit)),
                  std::optional<std::string>{"e"});
  auto after = detail::ask<std::vector<std::string>>(self, store, limit,
                                                     names_atom::value);
  CAF_REQUIRE(after);
  CAF_CHECK_EQUAL(*after, (std::vector<std::string>{cyrillic, emoji}));
  CAF_CHECK(shutdown(db));
}

// sasync's own tables come back when something drops them: the next
// operation of each kind creates the table again and runs once more.
CAF_TEST(a_dropped_object_table_comes_back_on_the_next_operation) {
  auto db = start();
  auto run_sql = [&](const std::string& stmt) {
    caf::expected<result_set> out{result_set{}};
    self->request(db, bound, sql_atom::value, stmt, std::vector<value>{})
        .receive([&](result_set& rs) { out = std::move(rs); },
                 [&](caf::error& e) { out = std::move(e); });
    return out;
  };
  auto store = require(items_of(self, db, 32, limit));
  auto cells = require(array_of(self, db, 32, limit));
  auto words = require(dict_of(self, db, 33, limit));
  CAF_REQUIRE(set(self, store, "before", std::string{"gone"}, limit));
  CAF_REQUIRE(set(self, cells, coordinates{1, 2, 3}, std::string{"gone"},
                  limit));
  CAF_REQUIRE(run_sql("DROP TABLE sasync_items"));
  CAF_REQUIRE(run_sql("DROP TABLE sasync_array"));
  auto after_set = set(self, store, "after", std::string{"here"}, limit);
  if (!after_set)
    CAF_MESSAGE("items set: " << sys.render(after_set.error()));
  CAF_CHECK(after_set);
  auto got = get<std::string>(self, store, "after", limit);
  CAF_CHECK(got && *got == std::optional<std::string>{"here"});
  auto old = get<std::string>(self, store, "before", limit);
  CAF_CHECK(old && !*old); // dropped with its table
  CAF_CHECK(set(self, cells, coordinates{1, 2, 3}, std::string{"cell"}, limit));
  auto cell = get<std::string>(self, cells, coordinates{1, 2, 3}, limit);
  CAF_CHECK(cell && *cell == std::optional<std::string>{"cell"});
  // A read first, a dict's write behind, and names and load.
  CAF_REQUIRE(run_sql("DROP TABLE sasync_items"));
  auto empty = get<std::string>(self, store, "after", limit);
  CAF_CHECK(empty && !*empty);
  CAF_REQUIRE(run_sql("DROP TABLE sasync_items"));
  CAF_CHECK(set(self, words, "w", std::string{"dict"}, limit));
  CAF_CHECK(detail::ask<void>(self, words, limit, flush_atom::value));
  CAF_REQUIRE(run_sql("DROP TABLE sasync_items"));
  auto names = detail::ask<std::vector<std::string>>(self, store, limit,
                                                     names_atom::value);
  CAF_CHECK(names && names->empty());
  CAF_CHECK(shutdown(db));
}

// -- the dict's mapping operations -------------------------------------------

CAF_TEST(dict_contains_says_whether_a_name_holds_a_value) {
  auto db = start();
  auto store = require(items_of(self, db, 50, limit));
  CAF_REQUIRE(set(self, store, "stored", std::string{"in the database"}, limit));
  auto cache = require(dict_of(self, db, 50, limit));
  CAF_REQUIRE(set(self, cache, "cached", std::string{"x"}, limit));
  CAF_CHECK(contains(self, cache, "stored", limit) == true);
  CAF_CHECK(contains(self, cache, "cached", limit) == true);
  CAF_CHECK(contains(self, cache, "absent", limit) == false);
  CAF_REQUIRE(erase(self, cache, {"cached"}, limit));
  CAF_CHECK(contains(self, cache, "cached", limit) == false);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(dict_get_with_a_default_answers_the_default_only_when_missing) {
  auto db = start();
  auto cache = require(dict_of(self, db, 51, limit));
  CAF_REQUIRE(set(self, cache, "a", std::string{"ay"}, limit));
  CAF_CHECK(get(self, cache, "a", std::string{"fallback"}, limit) ==
            std::string{"ay"});
  CAF_CHECK(get(self, cache, "b", std::string{"fallback"}, limit) ==
            std::string{"fallback"});
  // Answering the default stores nothing.
  CAF_CHECK(contains(self, cache, "b", limit) == false);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(dict_size_counts_stored_names_and_writes_not_yet_committed) {
  auto db = start();
  auto store = require(items_of(self, db, 52, limit));
  CAF_REQUIRE(set(self, store, "x", std::int64_t{1}, limit));
  CAF_REQUIRE(set(self, store, "y", std::int64_t{2}, limit));
  auto cache = require(dict_of(self, db, 52, limit));
  CAF_REQUIRE(set(self, cache, "z", std::int64_t{3}, limit));
  CAF_REQUIRE(set(self, cache, "y", std::int64_t{4}, limit));
  CAF_REQUIRE(erase(self, cache, {"x"}, limit));
  CAF_CHECK(size(self, cache, limit) == std::uint64_t{2});
  CAF_REQUIRE(preload(self, cache, limit));
  CAF_CHECK(size(self, cache, limit) == std::uint64_t{2});
  CAF_REQUIRE(flush(self, cache, limit));
  CAF_CHECK_EQUAL(stored_in<std::int64_t>(db, 52).size(), 2u);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(dict_clear_removes_every_name_and_a_fresh_dict_sees_none) {
  auto db = start();
  auto store = require(items_of(self, db, 53, limit));
  for (auto name : {"a", "b", "c"})
    CAF_REQUIRE(set(self, store, name, std::string{name}, limit));
  auto cache = require(dict_of(self, db, 53, limit));
  auto a = get<std::string>(self, cache, "a", limit); // cached now
  CAF_REQUIRE(a && *a);
  CAF_REQUIRE(set(self, cache, "d", std::string{"only in the dict"}, limit));
  CAF_REQUIRE(erase(self, cache, {"b"}, limit));
  CAF_CHECK(clear(self, cache, limit) == std::uint64_t{3}); // a, c, d
  CAF_CHECK(size(self, cache, limit) == std::uint64_t{0});
  CAF_CHECK(contains(self, cache, "c", limit) == false);
  CAF_CHECK(clear(self, cache, limit) == std::uint64_t{0});
  CAF_REQUIRE(flush(self, cache, limit));
  CAF_CHECK(stored_in<std::string>(db, 53).empty());
  CAF_REQUIRE(shutdown(db));
  auto again = start();
  auto fresh = require(dict_of(self, again, 53, limit));
  CAF_CHECK(size(self, fresh, limit) == std::uint64_t{0});
  CAF_CHECK(names(self, fresh, limit) == std::vector<std::string>{});
  CAF_CHECK(shutdown(again));
}

CAF_TEST(dict_clear_keeps_what_is_written_after_it) {
  auto db = start();
  auto store = require(items_of(self, db, 54, limit));
  CAF_REQUIRE(set(self, store, "old", std::string{"old"}, limit));
  auto cache = require(dict_of(self, db, 54, limit));
  // Sent together: the set after the clear is newer than it.
  auto cleared = self->request(cache, bound, clear_atom::value);
  auto written = self->request(cache, bound, set_atom::value,
                               std::string{"new"}, encode(std::string{"new"}));
  std::uint64_t n = 99;
  cleared.receive([&](std::uint64_t x) { n = x; },
                  [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  written.receive([] {}, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK_EQUAL(n, 1u);
  CAF_REQUIRE(flush(self, cache, limit));
  auto stored = stored_in<std::string>(db, 54);
  CAF_CHECK(stored == (std::map<std::string, std::string>{{"new", "new"}}));
  CAF_CHECK(shutdown(db));
}

CAF_TEST(dict_pop_of_a_missing_name_fails_with_missing_and_changes_nothing) {
  auto db = start();
  auto cache = require(dict_of(self, db, 55, limit));
  CAF_REQUIRE(set(self, cache, "a", std::string{"ay"}, limit));
  auto popped = pop<std::string>(self, cache, "b", limit);
  CAF_REQUIRE(!popped);
  CAF_CHECK(is(popped.error(), errc::missing));
  CAF_CHECK(size(self, cache, limit) == std::uint64_t{1});
  CAF_REQUIRE(flush(self, cache, limit));
  CAF_CHECK(stored_in<std::string>(db, 55) ==
            (std::map<std::string, std::string>{{"a", "ay"}}));
  CAF_CHECK(shutdown(db));
}

CAF_TEST(dict_pop_answers_the_value_and_removes_it) {
  auto db = start();
  auto store = require(items_of(self, db, 56, limit));
  CAF_REQUIRE(set(self, store, "stored", std::string{"s"}, limit));
  auto cache = require(dict_of(self, db, 56, limit));
  CAF_REQUIRE(set(self, cache, "cached", std::string{"c"}, limit));
  CAF_CHECK(pop<std::string>(self, cache, "stored", limit) == std::string{"s"});
  CAF_CHECK(pop<std::string>(self, cache, "cached", limit) == std::string{"c"});
  CAF_CHECK(contains(self, cache, "stored", limit) == false);
  CAF_CHECK(pop(self, cache, "stored", std::string{"gone"}, limit) ==
            std::string{"gone"});
  CAF_REQUIRE(flush(self, cache, limit));
  CAF_CHECK(stored_in<std::string>(db, 56).empty());
  CAF_CHECK(shutdown(db));
}

CAF_TEST(dict_requests_on_a_name_it_must_read_keep_their_order) {
  auto db = start();
  auto store = require(items_of(self, db, 57, limit));
  CAF_REQUIRE(set(self, store, "k", std::string{"old"}, limit));
  CAF_REQUIRE(set(self, store, "j", std::string{"jay"}, limit));
  auto cache = require(dict_of(self, db, 57, limit));
  // All sent before the first answer: "k" and "j" are read from the
  // database while the later requests wait their turn.
  auto first_pop = self->request(cache, bound, pop_atom::value, std::string{"k"});
  auto second_pop = self->request(cache, bound, pop_atom::value, std::string{"k"});
  auto kept = self->request(cache, bound, setdefault_atom::value,
                            std::string{"k"}, encode(std::string{"default"}));
  auto got = self->request(cache, bound, get_atom::value, std::string{"k"});
  auto j_pop = self->request(cache, bound, pop_atom::value, std::string{"j"});
  auto j_set = self->request(cache, bound, set_atom::value, std::string{"j"},
                             encode(std::string{"newer"}));
  auto j_get = self->request(cache, bound, get_atom::value, std::string{"j"});
  auto text = [&](auto& answer) {
    std::string out;
    answer.receive([&](stored_value& x) { out = decode<std::string>(x); },
                   [&](caf::error& e) { out = sys.render(e); });
    return out;
  };
  auto found = [&](auto& answer) {
    std::string out;
    answer.receive(
        [&](caf::optional<stored_value>& x) {
          out = x ? decode<std::string>(*x) : "none";
        },
        [&](caf::error& e) { out = sys.render(e); });
    return out;
  };
  CAF_CHECK_EQUAL(text(first_pop), "old");
  CAF_CHECK_NOT_EQUAL(text(second_pop).find("missing"), std::string::npos);
  CAF_CHECK_EQUAL(text(kept), "default");
  CAF_CHECK_EQUAL(found(got), "default");
  CAF_CHECK_EQUAL(text(j_pop), "jay");
  j_set.receive([] {}, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK_EQUAL(found(j_get), "newer");
  CAF_REQUIRE(flush(self, cache, limit));
  CAF_CHECK(stored_in<std::string>(db, 57) ==
            (std::map<std::string, std::string>{{"j", "newer"},
                                                {"k", "default"}}));
  CAF_CHECK(shutdown(db));
}

CAF_TEST(dict_setdefault_stores_the_default_only_when_missing) {
  auto db = start();
  auto store = require(items_of(self, db, 58, limit));
  CAF_REQUIRE(set(self, store, "stored", std::int64_t{7}, limit));
  auto cache = require(dict_of(self, db, 58, limit));
  CAF_CHECK(setdefault(self, cache, "stored", std::int64_t{1}, limit) ==
            std::int64_t{7});
  CAF_CHECK(setdefault(self, cache, "new", std::int64_t{2}, limit) ==
            std::int64_t{2});
  CAF_CHECK(setdefault(self, cache, "new", std::int64_t{3}, limit) ==
            std::int64_t{2});
  CAF_REQUIRE(flush(self, cache, limit));
  CAF_CHECK(stored_in<std::int64_t>(db, 58) ==
            (std::map<std::string, std::int64_t>{{"new", 2}, {"stored", 7}}));
  CAF_CHECK(shutdown(db));
}

CAF_TEST(dict_update_of_a_thousand_names_reaches_a_fresh_dict) {
  auto db = start();
  auto cache = require(dict_of(self, db, 59, limit));
  std::map<std::string, std::int64_t> values;
  for (std::int64_t i = 0; i < 1000; ++i)
    values["n" + std::to_string(i)] = i * i;
  CAF_REQUIRE(update(self, cache, values, limit));
  CAF_CHECK(size(self, cache, limit) == std::uint64_t{1000});
  CAF_REQUIRE(flush(self, cache, limit));
  CAF_REQUIRE(shutdown(db));
  auto again = start();
  auto fresh = require(dict_of(self, again, 59, limit));
  CAF_CHECK(size(self, fresh, limit) == std::uint64_t{1000});
  std::size_t readable = 0;
  for (auto& [name, x] : values) {
    auto got = get<std::int64_t>(self, fresh, name, limit);
    if (got && *got && **got == x)
      ++readable;
  }
  CAF_CHECK_EQUAL(readable, 1000u);
  CAF_CHECK(shutdown(again));
}

CAF_TEST(dict_update_with_one_bad_name_writes_none) {
  auto db = start();
  auto cache = require(dict_of(self, db, 60, limit));
  std::map<std::string, std::string> values{{"good", "g"},
                                            {std::string(1, '\0'), "bad"}};
  auto done = update(self, cache, values, limit);
  CAF_REQUIRE(!done);
  CAF_CHECK(is(done.error(), errc::invalid_argument));
  CAF_CHECK(size(self, cache, limit) == std::uint64_t{0});
  CAF_CHECK(shutdown(db));
}

CAF_TEST(dict_status_says_whether_it_is_preloaded) {
  auto db = start();
  auto store = require(items_of(self, db, 61, limit));
  CAF_REQUIRE(set(self, store, "a", std::string{"ay"}, limit));
  auto cache = require(dict_of(self, db, 61, limit));
  auto before = cache_status(self, cache, limit);
  CAF_REQUIRE(before);
  CAF_CHECK(!before->preloaded);
  CAF_CHECK_EQUAL(before->cached, 0u);
  CAF_REQUIRE(preload(self, cache, limit));
  CAF_REQUIRE(set(self, cache, "b", std::string{"bee"}, limit));
  auto after = cache_status(self, cache, limit);
  CAF_REQUIRE(after);
  CAF_CHECK(after->preloaded);
  CAF_CHECK_EQUAL(after->cached, 2u);
  CAF_MESSAGE("writes not committed right after a set: " << after->unwritten);
  CAF_REQUIRE(flush(self, cache, limit));
  auto flushed = cache_status(self, cache, limit);
  CAF_REQUIRE(flushed);
  CAF_CHECK_EQUAL(flushed->unwritten, 0u);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(dict_operations_after_shutdown_fail_with_shutting_down) {
  auto db = start();
  auto cache = require(dict_of(self, db, 62, limit));
  CAF_REQUIRE(set(self, cache, "a", std::string{"ay"}, limit));
  CAF_REQUIRE(shutdown(db));
  auto c = contains(self, cache, "a", limit);
  CAF_CHECK(!c && is(c.error(), errc::shutting_down));
  auto n = size(self, cache, limit);
  CAF_CHECK(!n && is(n.error(), errc::shutting_down));
  auto p = pop<std::string>(self, cache, "a", limit);
  CAF_CHECK(!p && is(p.error(), errc::shutting_down));
  auto u = update(self, cache, std::map<std::string, std::string>{{"b", "b"}},
                  limit);
  CAF_CHECK(!u && is(u.error(), errc::shutting_down));
}

CAF_TEST(dict_reads_that_the_database_fails_answer_its_error_and_change_nothing) {
  auto db = start();
  auto store = require(items_of(self, db, 63, limit));
  CAF_REQUIRE(set(self, store, "a", std::string{"ay"}, limit));
  auto cache = require(dict_of(self, db, 63, limit));
  auto run = [&](const std::string& stmt) {
    bool done = false;
    self->request(db, bound, sql_atom::value, stmt, std::vector<value>{})
        .receive([&](result_set&) { done = true; },
                 [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
    return done;
  };
  // Every statement on the group's rows fails while the column is renamed.
  CAF_REQUIRE(run("ALTER TABLE sasync_items RENAME COLUMN name TO label"));
  auto popped = pop<std::string>(self, cache, "a", limit);
  CAF_REQUIRE(!popped);
  CAF_MESSAGE("pop: " << sys.render(popped.error()));
  CAF_CHECK(is(popped.error(), errc::database_error));
  auto kept = setdefault(self, cache, "a", std::string{"other"}, limit);
  CAF_CHECK(!kept && is(kept.error(), errc::database_error));
  auto n = size(self, cache, limit);
  CAF_CHECK(!n && is(n.error(), errc::database_error));
  auto cleared = clear(self, cache, limit);
  CAF_CHECK(!cleared && is(cleared.error(), errc::database_error));
  CAF_REQUIRE(run("ALTER TABLE sasync_items RENAME COLUMN label TO name"));
  // Nothing changed: the value is there for the dict and past it.
  CAF_CHECK(contains(self, cache, "a", limit) == true);
  CAF_CHECK(size(self, cache, limit) == std::uint64_t{1});
  CAF_REQUIRE(flush(self, cache, limit));
  CAF_CHECK(stored_in<std::string>(db, 63) ==
            (std::map<std::string, std::string>{{"a", "ay"}}));
  CAF_CHECK(shutdown(db));
}

CAF_TEST(event_based_actors_use_the_dict_operation_helpers) {
  auto db = start();
  auto cache = require(dict_of(self, db, 64, limit));
  std::promise<std::string> outcome;
  auto result = outcome.get_future();
  sys.spawn(
      [&outcome](caf::event_based_actor* me, dict target) {
        auto fail = [&outcome](caf::error& e) {
          outcome.set_value("error: " + to_string(e));
        };
        std::map<std::string, person> people{{"ada", ada()}};
        update(
            me, target, people,
            [=, &outcome] {
              contains(
                  me, target, "ada",
                  [=, &outcome](bool there) {
                    if (!there)
                      return outcome.set_value("not there");
                    pop<person>(
                        me, target, "ada",
                        [=, &outcome](person x) {
                          if (!(x == ada()))
                            return outcome.set_value("wrong value");
                          size(
                              me, target,
                              [&outcome](std::uint64_t n) {
                                outcome.set_value(n == 0 ? "popped"
                                                         : "still there");
                              },
                              fail);
                        },
                        fail);
                  },
                  fail);
            },
            fail);
      },
      cache);
  CAF_REQUIRE(result.wait_for(bound) == std::future_status::ready);
  CAF_CHECK_EQUAL(result.get(), "popped");
  CAF_CHECK(shutdown(db));
}

CAF_TEST(insert_of_an_existing_name_fails_with_exists_and_changes_nothing) {
  auto db = start();
  auto store = require(items_of(self, db, 21, limit));
  CAF_REQUIRE(insert(self, store, "k", std::string{"first"}, limit));
  auto again = insert(self, store, "k", std::string{"second"}, limit);
  CAF_REQUIRE(!again);
  CAF_CHECK(is(again.error(), errc::exists));
  CAF_CHECK_NOT_EQUAL(sys.render(again.error()).find("already exists"),
                      std::string::npos);
  auto kept = get<std::string>(self, store, "k", limit);
  CAF_REQUIRE(kept && *kept);
  CAF_CHECK_EQUAL(**kept, "first");
  CAF_CHECK_EQUAL(stored_in<std::string>(db, 21).size(), 1u);
  CAF_CHECK(shutdown(db));
}

CAF_TEST(update_of_a_missing_name_fails_with_missing_and_creates_nothing) {
  auto db = start();
  auto store = require(items_of(self, db, 22, limit));
  auto absent = update(self, store, "k", std::string{"v"}, limit);
  CAF_REQUIRE(!absent);
  CAF_CHECK(is(absent.error(), errc::missing));
  auto none = get<std::string>(self, store, "k", limit);
  CAF_REQUIRE(none);
  CAF_CHECK(!*none);
  CAF_CHECK(stored_in<std::string>(db, 22).empty());
  // A name that exists is replaced.
  CAF_REQUIRE(set(self, store, "k", std::string{"old"}, limit));
  CAF_REQUIRE(update(self, store, "k", std::string{"new"}, limit));
  auto now = get<std::string>(self, store, "k", limit);
  CAF_REQUIRE(now && *now);
  CAF_CHECK_EQUAL(**now, "new");
  CAF_CHECK(shutdown(db));
}

CAF_TEST(of_32_concurrent_inserts_of_one_name_exactly_one_succeeds) {
  // Two brokers on one database, so the inserts also race between
  // connections, not only in one items actor's order.
  auto first = start();
  auto second = start();
  std::vector<items> stores{require(items_of(self, first, 23, limit)),
                            require(items_of(self, second, 23, limit))};
  struct outcome {
    std::mutex mtx;
    std::vector<std::string> answers;
    std::promise<void> all;
  } out;
  auto inserter = [&out](caf::event_based_actor* me, items target,
                         std::string value) {
    auto record = [&out](std::string answer) {
      std::lock_guard<std::mutex> guard{out.mtx};
      out.answers.push_back(std::move(answer));
      if (out.answers.size() == 32)
        out.all.set_value();
    };
    insert(
        me, target, "once", value, [=] { record("won " + value); },
        [=](caf::error& e) {
          record(is(e, errc::exists) ? "exists" : "error " + to_string(e));
        });
  };
  for (int i = 0; i < 32; ++i)
    sys.spawn(inserter, stores[static_cast<std::size_t>(i % 2)],
              "v" + std::to_string(i));
  CAF_REQUIRE(out.all.get_future().wait_for(bound) ==
              std::future_status::ready);
  std::lock_guard<std::mutex> guard{out.mtx};
  auto exists = std::count(out.answers.begin(), out.answers.end(), "exists");
  std::vector<std::string> won;
  for (auto& answer : out.answers)
    if (answer.rfind("won ", 0) == 0)
      won.push_back(answer.substr(4));
    else if (answer != "exists")
      CAF_FAIL("unexpected answer: " << answer);
  CAF_CHECK_EQUAL(exists, 31);
  CAF_REQUIRE_EQUAL(won.size(), 1u);
  // The stored value is the winner's.
  auto stored = get<std::string>(self, stores[0], "once", limit);
  CAF_REQUIRE(stored && *stored);
  CAF_CHECK_EQUAL(**stored, won[0]);
  CAF_CHECK(shutdown(first));
  CAF_CHECK(shutdown(second));
}

CAF_TEST(clear_answers_the_count_and_empties_only_its_group) {
  auto db = start();
  auto store = require(items_of(self, db, 24, limit));
  auto other = require(items_of(self, db, 25, limit));
  for (auto name : {"a", "b", "c"})
    CAF_REQUIRE(set(self, store, name, std::string{"v"}, limit));
  CAF_REQUIRE(set(self, other, "kept", std::string{"v"}, limit));
  // A set sent just before the clear, without waiting for it, is counted:
  // clear runs after every earlier write of the group.
  auto pending = self->request(store, bound, set_atom::value, std::string{"d"},
                               encode(std::string{"v"}));
  auto cleared = clear(self, store, limit);
  CAF_REQUIRE(cleared);
  CAF_CHECK_EQUAL(*cleared, 4u);
  CAF_CHECK(stored_in<std::string>(db, 24).empty());
  CAF_CHECK_EQUAL(require(names(self, other, limit)),
                  std::vector<std::string>{"kept"});
  // An empty group: nothing to count.
  auto again = clear(self, store, limit);
  CAF_REQUIRE(again);
  CAF_CHECK_EQUAL(*again, 0u);
  pending.receive([] {}, [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  CAF_CHECK(shutdown(db));
}

CAF_TEST(prefix_names_are_exactly_the_names_that_start_with_the_prefix) {
  auto db = start();
  auto store = require(items_of(self, db, 26, limit));
  // Bytewise order differs from a language's here ("B" < "a", "a-c" and
  // "ab"), and some names sit at the top of UTF-8's byte ranges.
  std::vector<std::string> all{"B",
                               "a",
                               "a-c",
                               "ab",
                               "ab\xc3\xa9",
                               "abz",
                               "ac",
                               "a\x7f",
                               "a\x7f" "x",
                               "a\xc2\x80",
                               "a\xef\xbf\xbf",
                               "a\xef\xbf\xbf" "x",
                               "a\xf4\x8f\xbf\xbf",
                               "a\xf4\x8f\xbf\xbf" "x",
                               "b",
                               "\xf4\x8f\xbf\xbf",
                               "\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf"};
  for (auto& name : all)
    CAF_REQUIRE(set(self, store, name, "v" + name, limit));
  std::sort(all.begin(), all.end());
  auto starting_with = [&](const std::string& prefix) {
    std::vector<std::string> out;
    for (auto& name : all)
      if (name.compare(0, prefix.size(), prefix) == 0)
        out.push_back(name);
    return out;
  };
  for (std::string prefix :
       {"", "a", "ab", "a\x7f", "a\xef\xbf\xbf", "a\xf4\x8f\xbf\xbf",
        "\xf4\x8f\xbf\xbf", "a\xff", "\xff", "a\xc2", "B", "zz"}) {
    CAF_MESSAGE("prefix of " << prefix.size() << " bytes");
    auto got = names_with_prefix(self, store, prefix, limit);
    CAF_REQUIRE(got);
    CAF_CHECK_EQUAL(*got, starting_with(prefix));
    auto loaded = load_with_prefix<std::string>(self, store, prefix, limit);
    CAF_REQUIRE(loaded);
    std::vector<std::string> loaded_names;
    for (auto& [name, x] : *loaded) {
      loaded_names.push_back(name);
      CAF_CHECK_EQUAL(x, "v" + name);
    }
    CAF_CHECK_EQUAL(loaded_names, starting_with(prefix));
  }
  CAF_CHECK(starting_with("\xff").empty());
  CAF_CHECK_EQUAL(starting_with("").size(), all.size());
  // A range a page at a time: at most n, from `from` (inclusive) to `until`
  // (exclusive).
  auto page = require(names(self, store, "a", "ac", 3, limit));
  CAF_CHECK_EQUAL(page, (std::vector<std::string>{"a", "a-c", "ab"}));
  page = require(names(self, store, "ab", "ac", 100, limit));
  CAF_CHECK_EQUAL(page, (std::vector<std::string>{"ab", "abz", "ab\xc3\xa9"}));
  page = require(names(self, store, "b", "a", 100, limit));
  CAF_CHECK(page.empty());
  auto zero = names(self, store, "a", "b", 0, limit);
  CAF_REQUIRE(!zero);
  CAF_CHECK(is(zero.error(), errc::invalid_argument));
  // From an event-based actor.
  std::promise<std::vector<std::string>> seen;
  auto seen_names = seen.get_future();
  sys.spawn(
      [&seen](caf::event_based_actor* me, items target) {
        names_with_prefix(
            me, target, "a\xf4\x8f\xbf\xbf",
            [&seen](std::vector<std::string>& xs) { seen.set_value(xs); },
            [&seen](caf::error&) { seen.set_value({"error"}); });
      },
      store);
  CAF_REQUIRE(seen_names.wait_for(bound) == std::future_status::ready);
  CAF_CHECK_EQUAL(seen_names.get(), starting_with("a\xf4\x8f\xbf\xbf"));
  CAF_CHECK(shutdown(db));
}

CAF_TEST(prepared_says_whether_a_statement_is_named) {
  auto db = start();
  CAF_CHECK_EQUAL(require(prepared(self, db, "by_group", limit)), false);
  std::string text = "SELECT 1 + ? AS x";
  CAF_REQUIRE(prepare(self, db, "by_group", text, limit));
  CAF_CHECK_EQUAL(require(prepared(self, db, "by_group", limit)), true);
  CAF_CHECK_EQUAL(require(prepared(self, db, "other", limit)), false);
  // The same text again under the same name is fine.
  CAF_CHECK(prepare(self, db, "by_group", text, limit));
  // Another text under a taken name is refused; the first text stays.
  auto other = prepare(self, db, "by_group", "SELECT 1", limit);
  CAF_REQUIRE(!other);
  CAF_CHECK(is(other.error(), errc::invalid_argument));
  auto rows = execute(self, db, "by_group", {std::int64_t{26}}, limit);
  CAF_REQUIRE(rows);
  CAF_REQUIRE_EQUAL(rows->rows.size(), 1u);
  CAF_CHECK(rows->rows[0][0] == value{std::int64_t{27}});
  CAF_CHECK(shutdown(db));
}

CAF_TEST_FIXTURE_SCOPE_END()
