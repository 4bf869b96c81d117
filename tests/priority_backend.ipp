// Priorities on every operation on a real backend: the one writer is held
// by a closure the test releases, requests at several priorities wait
// behind it, and the database shows what ran first. Included by one suite
// per backend, each defining `struct backend` (url(), serial_key,
// reads_share_the_writer) and CAF_SUITE first.

#include "sasync/actors/broker.hpp"
#include "sasync/actors/client.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/actors/transact.hpp"

#include "priority_probe.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <algorithm>
#include <future>
#include <utility>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace sasync;

namespace {

/// Every wait in this suite gives up after this long instead of hanging.
constexpr auto bound = std::chrono::seconds(30);

const auto& text = test::text_value;
using test::log_lines;

struct fixture {
  backend where;
  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  broker db;
  std::promise<void> release_promise;
  std::shared_future<void> released = release_promise.get_future().share();
  bool release_sent = false;
  test::priority_probe probes{sys, self, node{}};

  fixture() {
    broker_config bc;
    bc.engine = engine_config::parse(where.url());
    // One connection for writes (SQLite has one anyway): it is the one the
    // test holds.
    bc.engine->set_option("pool-size", "1");
    bc.engine->set_option("max-overflow", "0");
    db = spawn_broker(sys, bc);
    probes.db = db;
    CAF_REQUIRE(sql(self, db,
                    std::string{"CREATE TABLE IF NOT EXISTS prio_log(id "} +
                        backend::serial_key + ", tag TEXT, seen BIGINT)",
                    {}, bound));
    CAF_REQUIRE(items_of(self, db, 0, bound)); // makes the object tables
  }

  ~fixture() {
    release();
    shutdown(self, db, bound);
  }

  /// Holds the writer with a closure until release(); returns once it runs.
  void hold_writer() {
    auto started = std::make_shared<std::promise<void>>();
    auto running = started->get_future();
    auto until = released;
    sys.spawn(
        [=](caf::event_based_actor* a, test::spawn_arg) {
          transact_options opts;
          opts.prio = do_next;
          transact(
              a, db,
              [started, until](transaction_scope&) {
                started->set_value();
                until.wait_for(bound);
              },
              opts, [] {}, [](caf::error&) {});
        },
        test::spawn_arg{});
    CAF_REQUIRE(running.wait_for(bound) == std::future_status::ready);
  }

  void release() {
    if (!release_sent) {
      release_sent = true;
      release_promise.set_value();
    }
  }

  /// Releases the writer and collects every answer; all must be "ok".
  void release_and_collect() {
    release();
    probes.collect();
  }

  template <class R, class Handle, class... Ts>
  void submit(const Handle& to, Ts... xs) {
    probes.submit<R>(to, xs...);
  }
  void probe(const std::string& tag, const char* table, std::int64_t group,
             priority prio) {
    probes.probe(tag, table, group, prio);
  }
  void wait_in_queue(std::uint64_t n) { probes.wait_in_queue(n); }
  log_lines log() { return probes.log(); }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(priority_backend, fixture)

CAF_TEST(statements_run_by_priority_then_arrival_inside_one_batch) {
  using test::priority_probe;
  CAF_REQUIRE(prepare(self, db, "prio_probe",
                      priority_probe::probe_sql("sasync_items"), bound));
  CAF_REQUIRE(prepare(self, db, "prio_named",
                      priority_probe::probe_sql("sasync_items", true), bound));
  auto named = [](const char* tag) {
    return named_values{{"tag", value{tag}}, {"g", value{1}}};
  };
  hold_writer();
  auto before = status(self, db, bound);
  CAF_REQUIRE(before);
  // Arrival order far from priority order: sql, execute, each with `?`
  // values and with named ones, and sql without a priority.
  probe("last", "sasync_items", 1, do_last);
  submit<result_set>(db, execute_atom::value, std::string{"prio_probe"},
                     std::vector<value>{"exec15", 1}, niceness(15));
  submit<result_set>(db, sql_atom::value,
                     priority_probe::probe_sql("sasync_items", true),
                     named("named7"), niceness(7));
  probe("nice10", "sasync_items", 1, niceness(10));
  submit<result_set>(db, execute_atom::value, std::string{"prio_named"},
                     named("execnamed-3"), niceness(-3));
  probe("nice3", "sasync_items", 1, niceness(3));
  probes.probe("default", "sasync_items", 1); // defaults::statement_priority
  probe("nice-10", "sasync_items", 1, niceness(-10));
  probe("next", "sasync_items", 1, do_next);
  wait_in_queue(9);
  release_and_collect();
  CAF_CHECK_EQUAL(log(), (log_lines{"next=0", "nice-10=0", "execnamed-3=0",
                                    "default=0", "nice3=0", "named7=0",
                                    "nice10=0", "exec15=0", "last=0"}));
  auto after = status(self, db, bound);
  CAF_REQUIRE(after);
  CAF_MESSAGE("transactions the 9 statements took: "
              << after->queue.batches - before->queue.batches);
}

CAF_TEST(items_writes_run_by_priority_among_other_work) {
  auto store = items_of(self, db, 101, bound);
  CAF_REQUIRE(store);
  hold_writer();
  submit<void>(*store, set_atom::value, std::string{"a1"}, text("1"),
               niceness(10));
  probe("p11", "sasync_items", 101, niceness(11));
  submit<void>(*store, set_atom::value, std::string{"a2"}, text("2"),
               niceness(-10));
  submit<void>(*store, insert_atom::value, std::string{"a3"}, text("3"),
               niceness(19));
  probe("plast", "sasync_items", 101, do_last);
  submit<void>(*store, set_atom::value, std::string{"a4"}, text("4"), do_next);
  probe("p-15", "sasync_items", 101, niceness(-15));
  probe("p0", "sasync_items", 101, niceness(0));
  // Without a priority a set goes at defaults::write_priority (1): after p0.
  submit<void>(*store, set_atom::value, std::string{"a5"}, text("5"));
  probe("p2", "sasync_items", 101, niceness(2));
  wait_in_queue(10);
  release_and_collect();
  CAF_CHECK_EQUAL(log(),
                  (log_lines{"p-15=1", "p0=2", "p2=3", "p11=4", "plast=5"}));
}

CAF_TEST(array_writes_run_by_priority_among_other_work) {
  auto cells = array_of(self, db, 102, bound);
  CAF_REQUIRE(cells);
  hold_writer();
  submit<void>(*cells, set_atom::value, std::int64_t{1}, std::int64_t{0},
               std::int64_t{0}, text("1"), niceness(5));
  submit<void>(*cells, set_atom::value, std::int64_t{2}, std::int64_t{0},
               std::int64_t{0}, text("2"), do_next);
  probe("p0", "sasync_array", 102, niceness(0));
  probe("plast", "sasync_array", 102, do_last);
  submit<void>(*cells, set_atom::value, std::int64_t{3}, std::int64_t{0},
               std::int64_t{0}, text("3")); // default: niceness 1
  wait_in_queue(5);
  release_and_collect();
  CAF_CHECK_EQUAL(log(), (log_lines{"p0=1", "plast=3"}));
}

CAF_TEST(dict_writes_behind_go_at_their_priority) {
  auto store = dict_of(self, db, 103, bound);
  CAF_REQUIRE(store);
  CAF_REQUIRE(preload(self, *store, bound)); // reads never wait for the test
  hold_writer();
  // Answered at once from the cache; the writes wait in the queue.
  CAF_REQUIRE(set(self, *store, "d1", std::string{"1"}, bound, niceness(8)));
  CAF_REQUIRE(set(self, *store, "d2", std::string{"2"}, bound, do_next));
  CAF_REQUIRE(set(self, *store, "d3", std::string{"3"}, bound));
  probe("p0", "sasync_items", 103, niceness(0));
  probe("p5", "sasync_items", 103, niceness(5));
  probe("plast", "sasync_items", 103, do_last);
  // The cache answers reads at once, while the writes wait.
  auto d1 = get<std::string>(self, *store, "d1", bound, do_last);
  CAF_REQUIRE(d1);
  CAF_CHECK_EQUAL(*d1, std::optional<std::string>{"1"});
  wait_in_queue(6);
  release_and_collect();
  CAF_REQUIRE(flush(self, *store, bound));
  CAF_CHECK_EQUAL(log(), (log_lines{"p0=1", "p5=2", "plast=3"}));
}

CAF_TEST(a_more_urgent_write_never_overtakes_an_earlier_write_to_its_name) {
  auto store = items_of(self, db, 104, bound);
  auto cache = dict_of(self, db, 105, bound);
  auto cells = array_of(self, db, 106, bound);
  CAF_REQUIRE(store && cache && cells);
  hold_writer();
  // From one sender, so that "first" arrives first.
  caf::actor report{self};
  probes.submitted += 4;
  sys.spawn(
      [=, s = *store, c = *cells](caf::event_based_actor* a, test::spawn_arg) {
        auto ok = [=] { a->send(report, std::string{"ok"}); };
        auto failed = [=](caf::error& err) {
          a->send(report, a->system().render(err));
        };
        for (auto [x, prio] :
             {std::pair{"first", do_last}, {"second", do_next}}) {
          a->request(s, caf::infinite, set_atom::value, std::string{"k"},
                     text(x), prio)
              .then(ok, failed);
          a->request(c, caf::infinite, set_atom::value, std::int64_t{0},
                     std::int64_t{0}, std::int64_t{0}, text(x), prio)
              .then(ok, failed);
        }
      },
      test::spawn_arg{});
  CAF_REQUIRE(set(self, *cache, "k", std::string{"first"}, bound, do_last));
  CAF_REQUIRE(set(self, *cache, "k", std::string{"second"}, bound, do_next));
  // The queue holds the first of each: the second waits behind it.
  wait_in_queue(3);
  release_and_collect();
  CAF_REQUIRE(flush(self, *cache, bound));
  auto got = get<std::string>(self, *store, "k", bound);
  CAF_REQUIRE(got);
  CAF_CHECK_EQUAL(*got, std::optional<std::string>{"second"});
  auto cell = get<std::string>(self, *cells, coordinates{0, 0, 0}, bound);
  CAF_REQUIRE(cell);
  CAF_CHECK_EQUAL(*cell, std::optional<std::string>{"second"});
  // What the dict wrote, read past its cache.
  auto behind = items_of(self, db, 105, bound);
  CAF_REQUIRE(behind);
  auto stored = get<std::string>(self, *behind, "k", bound);
  CAF_REQUIRE(stored);
  CAF_CHECK_EQUAL(*stored, std::optional<std::string>{"second"});
}

CAF_TEST(reads_wait_in_line_by_priority_where_they_share_the_writer) {
  if (!backend::reads_share_the_writer) {
    CAF_MESSAGE("reads run on SQLite's readers, beside the held writer");
    return;
  }
  auto store = items_of(self, db, 107, bound);
  CAF_REQUIRE(store);
  hold_writer();
  submit<void>(*store, set_atom::value, std::string{"r"}, text("v"),
               niceness(0));
  // A read of another name before the write, and one after it, logged by
  // the probes around them: reads of one name follow its writes anyway.
  caf::actor report{self};
  std::vector<std::pair<std::string, priority>> reads{{"before", niceness(-5)},
                                                      {"after", niceness(5)}};
  for (auto& [tag, prio] : reads) {
    auto t = tag;
    ++probes.submitted;
    sys.spawn(
        [=, s = *store](caf::event_based_actor* a, test::spawn_arg) {
          a->request(s, caf::infinite, names_atom::value, prio)
              .then(
                  [=](std::vector<std::string>& names) {
                    a->send(report, std::string{"ok"});
                    a->send(report, t + "=" + std::to_string(names.size()));
                  },
                  [=](caf::error& err) {
                    a->send(report, a->system().render(err));
                  });
        },
        test::spawn_arg{});
  }
  wait_in_queue(3);
  release();
  std::vector<std::string> seen;
  for (int i = 0; i < 5; ++i) {
    std::string answer = "(no answer)";
    self->receive([&](std::string& x) { answer = std::move(x); },
                  caf::after(bound) >> [] {});
    if (answer != "ok")
      seen.push_back(answer);
  }
  probes.submitted = 0;
  std::sort(seen.begin(), seen.end());
  CAF_CHECK_EQUAL(seen, (log_lines{"after=1", "before=0"}));
}

CAF_TEST(a_priority_out_of_range_is_invalid_argument_and_changes_nothing) {
  auto store = items_of(self, db, 108, bound);
  auto cache = dict_of(self, db, 109, bound);
  auto cells = array_of(self, db, 110, bound);
  CAF_REQUIRE(store && cache && cells);
  auto refused = [&](auto x) {
    CAF_REQUIRE(!x);
    CAF_MESSAGE(sys.render(x.error()));
    CAF_CHECK(is(x.error(), errc::invalid_argument));
  };
  refused(set(self, *store, "k", std::string{"v"}, bound, niceness(21)));
  refused(get<std::string>(self, *store, "k", bound, niceness(-21)));
  refused(names(self, *store, bound, niceness(100)));
  refused(set(self, *cache, "k", std::string{"v"}, bound, niceness(21)));
  refused(clear(self, *cells, bound, niceness(-100)));
  refused(sql(self, db, "SELECT 1", {}, bound, niceness(21)));
  refused(query(self, db, "SELECT 1", {}, bound, niceness(21)));
  priority unknown_tier;
  unknown_tier.level = static_cast<priority::tier>(9);
  refused(set(self, *store, "k", std::string{"v"}, bound, unknown_tier));
  // Nothing changed: the dict's cache never took the refused value.
  auto got = get<std::string>(self, *cache, "k", bound);
  CAF_REQUIRE(got);
  CAF_CHECK(!*got);
  auto stored = get<std::string>(self, *store, "k", bound);
  CAF_REQUIRE(stored);
  CAF_CHECK(!*stored);
}

CAF_TEST(set_many_from_an_event_based_actor_goes_at_its_priority) {
  auto store = items_of(self, db, 111, bound);
  CAF_REQUIRE(store);
  hold_writer();
  caf::actor report{self};
  ++probes.submitted;
  sys.spawn(
      [=, s = *store](caf::event_based_actor* a, test::spawn_arg) {
        auto n = std::make_shared<int>(0);
        next_entry next = [n]() -> std::optional<named_value<stored_value>> {
          if (*n == 3)
            return std::nullopt;
          auto i = (*n)++;
          return named_value<stored_value>{"m" + std::to_string(i),
                                           text(std::to_string(i))};
        };
        set_many(
            a, s, next, 8, {},
            [=](std::uint64_t) { a->send(report, std::string{"ok"}); },
            [=](caf::error& err) { a->send(report, a->system().render(err)); },
            client_timeout{}, niceness(-10));
      },
      test::spawn_arg{});
  probe("p0", "sasync_items", 111, niceness(0));
  probe("p-15", "sasync_items", 111, niceness(-15));
  wait_in_queue(5);
  release_and_collect();
  // The three sets ran between p-15 and p0.
  CAF_CHECK_EQUAL(log(), (log_lines{"p-15=0", "p0=3"}));
}

CAF_TEST(the_helpers_over_many_requests_pass_their_priority_on) {
  auto store = items_of(self, db, 112, bound);
  CAF_REQUIRE(store);
  CAF_REQUIRE(set(self, *store, "pa", std::string{"1"}, bound));
  CAF_REQUIRE(set(self, *store, "pb", std::string{"2"}, bound));
  CAF_REQUIRE(set(self, *store, "q", std::string{"3"}, bound));
  auto refused = [&](auto x) {
    CAF_REQUIRE(!x);
    CAF_CHECK(is(x.error(), errc::invalid_argument));
  };
  // Out of range reaches the node: invalid_argument, where the default
  // priority would have answered.
  refused(names_with_prefix(self, *store, "p", bound, niceness(21)));
  refused(load_with_prefix<std::string>(self, *store, "p", bound,
                                        niceness(-21)));
  auto rows = [](const row&) {};
  refused(for_each_row(self, db, "SELECT 1", {}, rows, 10, bound,
                       niceness(21)));
  // In range: the same answers as without one.
  auto names = names_with_prefix(self, *store, "p", bound, do_next);
  CAF_REQUIRE(names);
  CAF_CHECK_EQUAL(*names, (std::vector<std::string>{"pa", "pb"}));
  auto loaded = load_with_prefix<std::string>(self, *store, "p", bound,
                                              do_last);
  CAF_REQUIRE(loaded);
  CAF_CHECK_EQUAL(loaded->size(), 2u);
  auto counted = for_each_row(self, db, "SELECT 1", {}, rows, 10, bound,
                              niceness(5));
  CAF_REQUIRE(counted);
  CAF_CHECK_EQUAL(*counted, 1u);
  // set_many from an event-based actor, out of range: refused at the
  // first set.
  caf::actor report{self};
  sys.spawn(
      [=, s = *store](caf::event_based_actor* a, test::spawn_arg) {
        auto once = std::make_shared<bool>(false);
        next_entry next =
            [once]() -> std::optional<named_value<stored_value>> {
          if (*once)
            return std::nullopt;
          *once = true;
          return named_value<stored_value>{"z", text("z")};
        };
        set_many(
            a, s, next, 8, {},
            [=](std::uint64_t) { a->send(report, std::string{"ok"}); },
            [=](caf::error& err) {
              a->send(report, std::string{is(err, errc::invalid_argument)
                                              ? "invalid_argument"
                                              : "other"});
            },
            client_timeout{}, niceness(21));
      },
      test::spawn_arg{});
  std::string answer = "(no answer)";
  self->receive([&](std::string& x) { answer = std::move(x); },
                caf::after(bound) >> [] {});
  CAF_CHECK_EQUAL(answer, "invalid_argument");
}

CAF_TEST(bulk_inserts_run_by_priority_among_other_work) {
  CAF_REQUIRE(sql(self, db,
                  "CREATE TABLE IF NOT EXISTS prio_rows(group_id BIGINT, "
                  "body TEXT)",
                  {}, bound));
  auto spec = insert_spec{"prio_rows", {"group_id", "body"}, "", 100};
  auto by_default = insert_into(self, db, spec, bound);
  auto urgent = insert_into(self, db, spec, bound);
  auto late = insert_into(self, db, spec, bound);
  CAF_REQUIRE(by_default && urgent && late);
  auto rows = [](std::size_t n) {
    std::vector<row> out;
    for (std::size_t i = 0; i < n; ++i)
      out.push_back(row{value{113}, value{"r" + std::to_string(i)}});
    return out;
  };
  hold_writer();
  probe("p2", "prio_rows", 113, niceness(2));
  // Without a priority: defaults::insert_priority (1), after p0.
  submit<std::vector<value>>(*by_default, write_atom::value, rows(1));
  probe("p0", "prio_rows", 113, niceness(0));
  // The event-based helper, at do_next: before everything else.
  caf::actor report{self};
  ++probes.submitted;
  sys.spawn(
      [=, ins = *urgent](caf::event_based_actor* a, test::spawn_arg) {
        auto left = std::make_shared<int>(2);
        auto next = [left]() -> std::optional<row> {
          if (*left == 0)
            return std::nullopt;
          --*left;
          return row{value{113}, value{"urgent"}};
        };
        insert_rows(
            a, ins, 10, next, {},
            [=](std::uint64_t) { a->send(report, std::string{"ok"}); },
            [=](caf::error& err) { a->send(report, a->system().render(err)); },
            client_timeout{}, do_next);
      },
      test::spawn_arg{});
  probe("p-5", "prio_rows", 113, niceness(-5));
  submit<std::vector<value>>(*late, write_atom::value, rows(4), do_last);
  // The insert reaches the queue through its actor; in line before the
  // probe of the same priority, so FIFO puts it first.
  wait_in_queue(6);
  probe("plast", "prio_rows", 113, do_last);
  wait_in_queue(7);
  release_and_collect();
  CAF_CHECK_EQUAL(log(),
                  (log_lines{"p-5=2", "p0=2", "p2=3", "plast=7"}));
}

CAF_TEST(a_bulk_insert_at_a_priority_out_of_range_writes_nothing) {
  CAF_REQUIRE(sql(self, db,
                  "CREATE TABLE IF NOT EXISTS prio_rows(group_id BIGINT, "
                  "body TEXT)",
                  {}, bound));
  auto ins = insert_into(
      self, db, insert_spec{"prio_rows", {"group_id", "body"}, "", 100}, bound);
  CAF_REQUIRE(ins);
  auto refused = [&](auto x) {
    CAF_REQUIRE(!x);
    CAF_MESSAGE(sys.render(x.error()));
    CAF_CHECK(is(x.error(), errc::invalid_argument));
  };
  refused(write(self, *ins, {row{value{114}, value{"x"}}}, bound,
                niceness(21)));
  auto once = std::make_shared<bool>(false);
  refused(insert_rows(
      self, *ins, 10,
      [once]() -> std::optional<row> {
        if (std::exchange(*once, true))
          return std::nullopt;
        return row{value{114}, value{"y"}};
      },
      {}, bound, niceness(-21)));
  // In range: written, as without a priority.
  auto fine = write(self, *ins, {row{value{114}, value{"z"}}}, bound,
                    niceness(20));
  CAF_CHECK(fine);
  auto counted =
      sql(self, db, "SELECT COUNT(*) FROM prio_rows WHERE group_id = 114", {},
          bound);
  CAF_REQUIRE(counted);
  CAF_CHECK_EQUAL(counted->rows.at(0).at(0).as_integer(), 1);
}

CAF_TEST_FIXTURE_SCOPE_END()
