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

CAF_TEST_FIXTURE_SCOPE_END()
