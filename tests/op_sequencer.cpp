// The order of operations in a group actor: per key, and around clears.
#define CAF_SUITE actors.op_sequencer

#include "sasync/actors/objects/detail/op_sequencer.hpp"

#include <caf/test/unit_test.hpp>

#include <string>
#include <vector>

using sasync::detail::op_sequencer;

namespace {

/// Records which operations have started, by label.
struct fixture {
  op_sequencer<std::string> order;
  std::vector<std::string> started;
  std::map<std::string, op_sequencer<std::string>::ticket> tickets;

  void submit(const std::string& label, std::vector<std::string> keys) {
    order.submit(std::move(keys), [this, label](auto t) {
      started.push_back(label);
      tickets[label] = t;
    });
  }

  void finish(const std::string& label) { order.finish(tickets.at(label)); }
};

using labels = std::vector<std::string>;

} // namespace

CAF_TEST_FIXTURE_SCOPE(op_sequencer_tests, fixture)

CAF_TEST(operations_on_one_key_run_one_after_another) {
  submit("a1", {"a"});
  submit("a2", {"a"});
  submit("b1", {"b"});
  CAF_CHECK_EQUAL(started, (labels{"a1", "b1"}));
  finish("a1");
  CAF_CHECK_EQUAL(started, (labels{"a1", "b1", "a2"}));
  finish("b1");
  finish("a2");
  CAF_CHECK(order.idle());
}

CAF_TEST(an_operation_on_several_keys_waits_for_each) {
  submit("a1", {"a"});
  submit("b1", {"b"});
  submit("ab", {"a", "b"});
  submit("b2", {"b"});
  CAF_CHECK_EQUAL(started, (labels{"a1", "b1"}));
  finish("a1");
  CAF_CHECK_EQUAL(started, (labels{"a1", "b1"}));
  finish("b1");
  CAF_CHECK_EQUAL(started, (labels{"a1", "b1", "ab"}));
  finish("ab");
  CAF_CHECK_EQUAL(started, (labels{"a1", "b1", "ab", "b2"}));
}

CAF_TEST(an_every_key_operation_is_a_barrier_both_ways) {
  submit("a1", {"a"});
  submit("b1", {"b"});
  submit("clear", {});
  submit("c1", {"c"});
  submit("a2", {"a"});
  CAF_CHECK_EQUAL(started, (labels{"a1", "b1"}));
  finish("b1");
  finish("a1");
  CAF_CHECK_EQUAL(started, (labels{"a1", "b1", "clear"}));
  finish("clear");
  CAF_CHECK_EQUAL(started, (labels{"a1", "b1", "clear", "c1", "a2"}));
}

CAF_TEST(an_operation_that_finishes_at_once_lets_the_next_one_go) {
  order.submit({"a"}, [this](auto t) {
    started.push_back("quick");
    order.finish(t);
  });
  submit("a2", {"a"});
  CAF_CHECK_EQUAL(started, (labels{"quick", "a2"}));
  submit("clear", {});
  finish("a2");
  CAF_CHECK_EQUAL(started, (labels{"quick", "a2", "clear"}));
}

// A hot key: many operations wait on it while earlier ones finish and
// later ones join; each starts alone and in its turn.
CAF_TEST(a_long_lane_drains_in_order_while_it_grows) {
  labels expected;
  auto label = [](int i) { return "a" + std::to_string(i); };
  for (int i = 0; i < 10; ++i)
    submit(label(i), {"a"});
  for (int i = 0; i < 40; ++i) {
    expected.push_back(label(i));
    CAF_REQUIRE_EQUAL(started, expected);
    finish(label(i));
    if (i + 10 < 40)
      submit(label(i + 10), {"a"});
  }
  CAF_CHECK(order.idle());
  // The lane is gone with its last operation: a new one starts at once.
  submit("again", {"a"});
  CAF_CHECK_EQUAL(started.back(), "again");
}

// A key named twice in one operation (a batch that sets it twice) holds
// its lane until that operation finishes, and only then lets the next go.
CAF_TEST(a_key_named_twice_in_one_operation_is_held_once_it_runs) {
  submit("aa", {"a", "a"});
  submit("a2", {"a"});
  CAF_CHECK_EQUAL(started, (labels{"aa"}));
  finish("aa");
  CAF_CHECK_EQUAL(started, (labels{"aa", "a2"}));
  finish("a2");
  CAF_CHECK(order.idle());
}

CAF_TEST_FIXTURE_SCOPE_END()
