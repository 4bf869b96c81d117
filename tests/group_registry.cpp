// The broker's group registry on its own, deterministic: which actor a
// request for a group gets, when an idle one is let go, and that one which
// stopped is forgotten and replaced.
#define CAF_SUITE actors.group_registry

#include "sasync/actors/detail/group_registry.hpp"

#include <caf/test/dsl.hpp>

#include <algorithm>
#include <vector>

using namespace sasync::detail;

namespace {

// Takes an argument: CAF 0.17 binds a function spawned without any through
// an empty shared tuple it never allocated (UndefinedBehaviorSanitizer).
caf::behavior idle_group(std::int64_t /* group */) {
  return {[](int) {}};
}

struct fixture : test_coordinator_fixture<> {
  group_registry groups;
  int spawned = 0;

  caf::strong_actor_ptr get(group_kind kind, std::int64_t group) {
    return groups.get(self.ptr(), kind, group, [this, group] {
      ++spawned;
      return caf::actor_cast<caf::strong_actor_ptr>(
          sys.spawn(idle_group, group));
    });
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(group_registry_tests, fixture)

CAF_TEST(one_actor_per_kind_and_group) {
  auto a = get(group_kind::items, 1);
  CAF_CHECK_EQUAL(get(group_kind::items, 1), a);
  CAF_CHECK_NOT_EQUAL(get(group_kind::items, 2), a);
  CAF_CHECK_NOT_EQUAL(get(group_kind::dict, 1), a);
  CAF_CHECK_NOT_EQUAL(get(group_kind::array, 1), a);
  CAF_CHECK_EQUAL(spawned, 4);
}

CAF_TEST(an_actor_that_stopped_is_forgotten_and_replaced) {
  auto a = get(group_kind::dict, 7);
  auto addr = caf::actor_cast<caf::actor_addr>(a);
  CAF_CHECK(!groups.forget(self->address()));
  CAF_CHECK(groups.forget(addr));
  CAF_CHECK(groups.empty());
  auto b = get(group_kind::dict, 7);
  CAF_CHECK_NOT_EQUAL(b, a);
  CAF_CHECK_EQUAL(spawned, 2);
}

// The broker learns of an end from its down message, which may come after a
// request for the group: the request must not get the actor that stopped.
CAF_TEST(an_actor_that_stopped_before_its_down_message_is_replaced) {
  auto a = get(group_kind::items, 7);
  caf::anon_send_exit(a, caf::exit_reason::kill);
  sched.run(); // it stops; the registry has not handled its down message
  auto b = get(group_kind::items, 7);
  CAF_CHECK_NOT_EQUAL(b, a);
  CAF_CHECK_EQUAL(spawned, 2);
  // Its late down message then forgets nothing that lives.
  CAF_CHECK(!groups.forget(caf::actor_cast<caf::actor_addr>(a)));
  CAF_CHECK_EQUAL(get(group_kind::items, 7), b);
}

// A let-go actor that stopped, still held by a client, is replaced too.
CAF_TEST(a_let_go_actor_that_stopped_is_replaced) {
  auto held = get(group_kind::dict, 3);
  groups.sweep();
  groups.sweep(); // let go, but `held` keeps its handle
  caf::anon_send_exit(held, caf::exit_reason::kill);
  sched.run();
  CAF_CHECK_NOT_EQUAL(get(group_kind::dict, 3), held);
  CAF_CHECK_EQUAL(spawned, 2);
}

CAF_TEST(an_idle_actor_is_let_go_after_a_period_without_requests) {
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(get(group_kind::items, 1));
  CAF_CHECK(groups.sweep_due());
  CAF_CHECK(!groups.sweep_due()); // one timer per period
  groups.sweep();                 // asked for during this period: kept
  CAF_CHECK(weak.lock() != nullptr);
  CAF_CHECK(groups.sweep_due());
  groups.sweep(); // not asked for: let go, and nobody else holds it
  sched.run();
  CAF_CHECK(weak.lock() == nullptr);
  groups.sweep(); // forgotten once it has stopped
  CAF_CHECK(groups.empty());
  CAF_CHECK(!groups.sweep_due());
}

CAF_TEST(a_let_go_actor_that_a_client_still_holds_is_handed_out_again) {
  auto held = get(group_kind::array, 3);
  groups.sweep();
  groups.sweep(); // let go, but `held` keeps it alive
  CAF_CHECK_EQUAL(get(group_kind::array, 3), held);
  CAF_CHECK_EQUAL(spawned, 1);
}

CAF_TEST(take_all_hands_over_every_live_actor_and_empties_the_registry) {
  auto a = get(group_kind::items, 1);
  auto b = get(group_kind::dict, 1);
  groups.sweep();
  groups.sweep(); // let go; `a` and `b` are still held here
  auto c = get(group_kind::array, 1);
  auto all = groups.take_all();
  CAF_CHECK_EQUAL(all.size(), 3u);
  CAF_CHECK(groups.empty());
  for (auto& x : {a, b, c})
    CAF_CHECK(std::find(all.begin(), all.end(), x) != all.end());
}

CAF_TEST_FIXTURE_SCOPE_END()
