// The broker's group actors, deterministic: the test coordinator runs every
// actor on a real in-memory SQLite database; timers fire only when a test
// advances the clock.
#define CAF_SUITE actors.objects

#include "sasync/actors/broker.hpp"

#include "sasync/actors/defaults.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/objects/detail/items_impl.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/storage/item_store.hpp"
#include "sasync/storage/value_codec.hpp"

#include "ask.hpp"

#include <caf/test/dsl.hpp>

#include <memory>
#include <optional>

using namespace sasync;
using namespace std::chrono_literals;

namespace {

using lookup = caf::optional<stored_value>;

struct fixture : test_coordinator_fixture<system_config> {
  broker db;

  fixture() {
    broker_config cfg;
    cfg.engine = engine_config::parse("sqlite:///:memory:");
    cfg.detached = false; // the test coordinator runs the connections
    cfg.idle_timeout = 10s;
    db = spawn_broker(sys, cfg);
  }

  ~fixture() {
    sched.run(); // late answers still find their lambdas' state
  }

  /// Batches the broker's queue has run so far.
  std::uint64_t queue_batches() {
    auto st = call<broker_status>(db, status_atom::value);
    CAF_REQUIRE(st);
    return st->queue.batches;
  }

  /// Sends a set without running anything; its answer (none: done) lands
  /// in `*answer`.
  void ask_set(const items& store, std::string name, const std::string& text,
               std::optional<caf::error>* answer) {
    test::ask(
        sys, store, [answer] { *answer = caf::error{}; },
        [answer](caf::error& err) { *answer = err; }, set_atom::value,
        std::move(name), encode(text));
  }

  /// Sends a request, runs every message (no timers) and returns the answer.
  template <class R, class Handle, class... Ts>
  caf::expected<R> call(const Handle& dest, Ts... xs) {
    auto out = std::make_shared<std::optional<caf::expected<R>>>();
    auto on_error = [out](caf::error& e) { *out = std::move(e); };
    if constexpr (std::is_void_v<R>)
      test::ask(
          sys, dest, [out] { *out = caf::expected<void>{}; }, on_error, xs...);
    else
      test::ask(
          sys, dest, [out](R& x) { *out = std::move(x); }, on_error, xs...);
    sched.run();
    CAF_REQUIRE(out->has_value());
    return std::move(**out);
  }

  items items_of(std::int64_t group) {
    auto x = call<items>(db, items_atom::value, group);
    CAF_REQUIRE(x);
    return *x;
  }

  dict dict_of(std::int64_t group) {
    auto x = call<dict>(db, dict_atom::value, group);
    CAF_REQUIRE(x);
    return *x;
  }

  /// Makes every write to sasync_items fail until allow_item_writes().
  /// (A dropped table would come back by itself.)
  void refuse_item_writes() {
    CAF_REQUIRE(call<result_set>(
        db, sql_atom::value,
        std::string{"CREATE TRIGGER refuse_items BEFORE INSERT ON "
                    "sasync_items BEGIN SELECT RAISE(ABORT, 'sasync_items "
                    "refuses writes'); END"},
        std::vector<value>{}));
  }

  void allow_item_writes() {
    CAF_REQUIRE(call<result_set>(db, sql_atom::value,
                                 std::string{"DROP TRIGGER refuse_items"},
                                 std::vector<value>{}));
  }

  /// Lets one idle period pass and the broker sweep.
  void idle_period() {
    advance_time(10s);
    sched.run();
  }

  /// How many rows the group has in sasync_items, read past its actors.
  std::int64_t rows_of_group(std::int64_t group) {
    auto x = call<result_set>(
        db, sql_atom::value,
        std::string{"SELECT COUNT(*) FROM sasync_items WHERE group_id = ?"},
        std::vector<value>{group});
    CAF_REQUIRE(x && x->rows.size() == 1);
    return x->rows[0][0].as_integer();
  }

  std::string text_under(const items& store, const std::string& name) {
    auto x = call<lookup>(store, get_atom::value, name);
    if (!x)
      return "error: " + sys.render(x.error());
    if (!*x)
      return "missing";
    return decode<std::string>(**x);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(objects_tests, fixture)

CAF_TEST(each_group_has_one_actor_per_kind) {
  auto first = items_of(1);
  CAF_CHECK_EQUAL(first, items_of(1));
  CAF_CHECK_NOT_EQUAL(first, items_of(2));
  CAF_CHECK_NOT_EQUAL(first.address(), dict_of(1).address());
}

CAF_TEST(items_answer_set_get_delete_names_and_load) {
  auto store = items_of(7);
  CAF_CHECK(call<void>(store, set_atom::value, "b", encode("bee")));
  CAF_CHECK(call<void>(store, set_atom::value, "a", encode("ay")));
  CAF_CHECK(call<void>(store, set_atom::value, "a", encode("ay again")));
  CAF_CHECK_EQUAL(text_under(store, "a"), "ay again");
  CAF_CHECK_EQUAL(text_under(store, "nobody"), "missing");
  auto erased = call<std::uint64_t>(store, delete_atom::value,
                                    std::vector<std::string>{"a", "nobody"});
  CAF_REQUIRE(erased);
  CAF_CHECK_EQUAL(*erased, 1u);
  auto names = call<std::vector<std::string>>(store, names_atom::value);
  CAF_REQUIRE(names);
  CAF_CHECK_EQUAL(*names, std::vector<std::string>{"b"});
  auto all = call<std::map<std::string, stored_value>>(store, load_atom::value);
  CAF_REQUIRE(all);
  CAF_REQUIRE_EQUAL(all->size(), 1u);
  CAF_CHECK_EQUAL(decode<std::string>(all->at("b")), "bee");
  // Another group sees none of it.
  CAF_CHECK_EQUAL(text_under(items_of(8), "b"), "missing");
}

CAF_TEST(point_operations_that_arrive_together_reach_the_queue_together) {
  auto store = items_of(9);
  CAF_CHECK(call<void>(store, set_atom::value, "warm", encode("up")));
  auto before = queue_batches();
  // Ten sets in the items actor's mailbox at once, then a second set of
  // n0, which must wait for the first: the ten commit in one transaction
  // (sent one by one, the first would run alone on the idle writer).
  std::vector<std::optional<caf::error>> answers(11);
  for (std::size_t i = 0; i < 10; ++i)
    ask_set(store, "n" + std::to_string(i), "first " + std::to_string(i),
            &answers[i]);
  ask_set(store, "n0", "second", &answers[10]);
  sched.run();
  for (auto& answer : answers)
    CAF_CHECK(answer && !*answer);
  CAF_CHECK_EQUAL(queue_batches() - before, 2u);
  CAF_CHECK_EQUAL(text_under(store, "n0"), "second");
  CAF_CHECK_EQUAL(text_under(store, "n9"), "first 9");
}

CAF_TEST(a_wave_of_more_than_half_a_batch_reaches_the_queue_in_two_lists) {
  auto store = items_of(10);
  CAF_CHECK(call<void>(store, set_atom::value, "warm", encode("up")));
  auto before = queue_batches();
  // A batch's worth of sets at once: the idle writer starts on the first
  // half while the second waits, so the two halves' answers come back
  // apart (one list would have been one batch, answered all at once).
  std::vector<std::optional<caf::error>> answers(defaults::max_batch);
  for (std::size_t i = 0; i < answers.size(); ++i)
    ask_set(store, "w" + std::to_string(i), "x", &answers[i]);
  sched.run();
  for (auto& answer : answers)
    CAF_CHECK(answer && !*answer);
  CAF_CHECK_EQUAL(queue_batches() - before, 2u);
  CAF_CHECK_EQUAL(text_under(store, "w0"), "x");
}

CAF_TEST(a_relay_is_answered_as_its_requests_and_committed_together) {
  using detail::relayed_answer;
  using detail::relayed_op;
  using detail::relayed_request;
  auto store = caf::actor_cast<detail::items_impl>(items_of(11));
  CAF_CHECK(call<void>(store, set_atom::value, "warm", encode("up")));
  CAF_CHECK(call<void>(store, set_atom::value, "old", encode("kept")));
  auto request = [](relayed_op op, std::string name, const char* text = "") {
    relayed_request x;
    x.op = static_cast<std::uint8_t>(op);
    x.name = std::move(name);
    x.value = encode(std::string{text});
    return x;
  };
  // Twenty sets in one message go to the queue as twenty messages would:
  // in one list, one batch.
  std::vector<relayed_request> sets;
  for (int i = 0; i < 20; ++i)
    sets.push_back(request(relayed_op::set, "r" + std::to_string(i), "v"));
  auto before = queue_batches();
  auto done = call<std::vector<relayed_answer>>(store, relay_atom::value, sets);
  CAF_REQUIRE(done);
  CAF_REQUIRE_EQUAL(done->size(), 20u);
  for (auto& x : *done)
    CAF_CHECK_EQUAL(x.shape, relayed_answer::nothing);
  CAF_CHECK_EQUAL(queue_batches() - before, 1u);
  CAF_CHECK_EQUAL(text_under(caf::actor_cast<items>(store), "r19"), "v");
  // Each request answered as it would be alone, in order: a get after a
  // set of its name sees it; a refused insert, an op no handler has, a
  // name over the limit.
  auto unknown = request(relayed_op::get, "x");
  unknown.op = 77;
  auto got = call<std::vector<relayed_answer>>(
      store, relay_atom::value,
      std::vector<relayed_request>{
          request(relayed_op::set, "x", "new"), request(relayed_op::get, "x"),
          request(relayed_op::insert, "old", "again"), unknown,
          request(relayed_op::get, std::string(5000, 'n')),
          request(relayed_op::update, "old", "changed"),
          request(relayed_op::get, "old")});
  CAF_REQUIRE(got);
  CAF_REQUIRE_EQUAL(got->size(), 7u);
  auto& xs = *got;
  CAF_CHECK_EQUAL(xs[0].shape, relayed_answer::nothing);
  CAF_REQUIRE_EQUAL(xs[1].shape, relayed_answer::value);
  CAF_REQUIRE(xs[1].got);
  CAF_CHECK_EQUAL(decode<std::string>(*xs[1].got), "new");
  CAF_REQUIRE_EQUAL(xs[2].shape, relayed_answer::failure);
  CAF_CHECK(is(xs[2].error, errc::exists));
  CAF_REQUIRE_EQUAL(xs[3].shape, relayed_answer::failure);
  CAF_CHECK(xs[3].error == caf::sec::unexpected_message);
  CAF_REQUIRE_EQUAL(xs[4].shape, relayed_answer::failure);
  CAF_CHECK(is(xs[4].error, errc::invalid_argument));
  CAF_CHECK_EQUAL(xs[5].shape, relayed_answer::nothing);
  CAF_REQUIRE_EQUAL(xs[6].shape, relayed_answer::value);
  CAF_REQUIRE(xs[6].got);
  CAF_CHECK_EQUAL(decode<std::string>(*xs[6].got), "changed");
  // Empty: answered with nothing; more than a relay holds: refused.
  auto none = call<std::vector<relayed_answer>>(store, relay_atom::value,
                                                std::vector<relayed_request>{});
  CAF_CHECK(none && none->empty());
  auto many = call<std::vector<relayed_answer>>(
      store, relay_atom::value,
      std::vector<relayed_request>(detail::max_relayed + 1,
                                   request(relayed_op::get, "x")));
  CAF_REQUIRE(!many);
  CAF_CHECK(is(many.error(), errc::invalid_argument));
}

CAF_TEST(an_idle_actor_is_let_go_and_stops_once_no_handle_is_left) {
  auto store = items_of(1);
  CAF_CHECK(call<void>(store, set_atom::value, "kept", encode("yes")));
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(store);
  store = items{};
  idle_period();
  CAF_CHECK(weak.lock() != nullptr); // asked for during this period
  idle_period();
  CAF_CHECK(weak.lock() == nullptr);
  auto again = items_of(1);
  CAF_CHECK_EQUAL(text_under(again, "kept"), "yes");
}

CAF_TEST(a_held_handle_keeps_working_past_the_idle_timeout) {
  auto store = items_of(1);
  idle_period();
  idle_period();
  idle_period();
  CAF_CHECK(call<void>(store, set_atom::value, "late", encode("fine")));
  CAF_CHECK_EQUAL(text_under(store, "late"), "fine");
  CAF_CHECK_EQUAL(items_of(1), store); // the same actor, not a second one
}

CAF_TEST(a_dict_write_that_fails_fails_flush_and_goes_again_later) {
  auto cache = dict_of(3);
  refuse_item_writes();
  CAF_CHECK(call<void>(cache, set_atom::value, "x", encode("one")));
  auto flushed = call<void>(cache, flush_atom::value);
  CAF_REQUIRE(!flushed);
  CAF_CHECK(is(flushed.error(), errc::database_error));
  CAF_CHECK_NOT_EQUAL(sys.render(flushed.error()).find("sasync_items"),
                      std::string::npos);
  auto cached = call<lookup>(cache, get_atom::value, "x");
  CAF_REQUIRE(cached && *cached);
  CAF_CHECK_EQUAL(decode<std::string>(**cached), "one");
  allow_item_writes();
  CAF_CHECK(call<void>(cache, flush_atom::value));
  CAF_CHECK_EQUAL(text_under(items_of(3), "x"), "one");
}

CAF_TEST(the_retry_timer_writes_a_failed_write_without_a_flush) {
  auto cache = dict_of(3);
  refuse_item_writes();
  CAF_CHECK(call<void>(cache, set_atom::value, "x", encode("two")));
  allow_item_writes();
  // Read past the dict: an items get of its group would go through it,
  // and it tries failed writes again before any items request.
  CAF_CHECK_EQUAL(rows_of_group(3), 0);
  advance_time(100ms); // the first retry delay
  sched.run();
  CAF_CHECK_EQUAL(rows_of_group(3), 1);
  CAF_CHECK_EQUAL(text_under(items_of(3), "x"), "two");
}

CAF_TEST(shutdown_answers_accepted_requests_then_closes_the_groups) {
  auto store = items_of(1);
  auto cache = dict_of(2);
  auto set_done = std::make_shared<bool>(false);
  test::ask(
      sys, store, [set_done] { *set_done = true; }, [](caf::error&) {},
      set_atom::value, "a", encode("ay"));
  CAF_CHECK(call<void>(cache, set_atom::value, "b", encode("bee")));
  CAF_CHECK(call<void>(db, shutdown_atom::value));
  CAF_CHECK(*set_done);
  auto late = call<void>(store, set_atom::value, "c", encode("see"));
  CAF_CHECK(!late);
}

CAF_TEST(shutdown_says_which_dict_writes_could_not_commit) {
  auto cache = dict_of(4);
  refuse_item_writes();
  CAF_CHECK(call<void>(cache, set_atom::value, "lost", encode("value")));
  auto down = call<void>(db, shutdown_atom::value);
  CAF_REQUIRE(!down);
  CAF_CHECK(is(down.error(), errc::database_error));
  CAF_CHECK_NOT_EQUAL(sys.render(down.error()).find("did not commit"),
                      std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
