// Fencing in the group actors on the real PostgreSQL server: a broker's
// items, dict and array actors spawned under an ownership commit nothing
// once another member took the group (the fence runs in the write's own
// transaction), answer errc::fenced and stop, so the next request for the
// group gets an actor of the new ownership. Takeovers here are made by SQL
// through cluster_store (release and settle), not by timing. Each fixture
// works in a schema of its own.
#define CAF_SUITE actors.cluster_fencing

#include "sasync/actors/broker.hpp"
#include "sasync/actors/client.hpp"
#include "sasync/actors/detail/broker_impl.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/actors/transact.hpp"
#include "sasync/storage/cluster_store.hpp"
#include "sasync/storage/connection.hpp"
#include "sasync/storage/engine_config.hpp"
#include "sasync/storage/value_codec.hpp"

#include "backends.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

using namespace sasync;
using namespace std::chrono_literals;

namespace {

constexpr auto bound = std::chrono::seconds(30);
constexpr auto lease = std::chrono::milliseconds{60'000};

struct fixture {
  std::string schema = "sasync_fencing_" + std::to_string(::getpid());
  std::unique_ptr<connection> admin = open(test::postgresql_url());
  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  std::unique_ptr<connection> session_a;
  std::unique_ptr<connection> session_b;
  std::int64_t member_a = 0;
  std::int64_t member_b = 0;
  broker db;

  fixture() {
    admin->execute_script("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    admin->execute_script("CREATE SCHEMA " + schema);
    admin->execute_script("SET search_path TO " + schema);
    create_cluster_tables(*admin);
    session_a = open(url());
    session_b = open(url());
    member_a = join_cluster(*session_a, "127.0.0.1:1");
    member_b = join_cluster(*session_b, "127.0.0.1:2");
    broker_config bc;
    bc.engine = engine_config::parse(url());
    db = spawn_broker(sys, bc);
  }

  ~fixture() {
    self->request(db, bound, shutdown_atom::value)
        .receive([] {}, [](caf::error&) {});
    session_a.reset();
    session_b.reset();
    try {
      admin->execute_script("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (...) {
    }
  }

  static std::unique_ptr<connection> open(const std::string& where) {
    return open_connection(engine_config::parse(where), access_mode::write);
  }

  std::string url() const {
    auto base = test::postgresql_url();
    return base + (base.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + schema;
  }

  /// The broker's actor of `group` under `owner`, as the node asks for it.
  caf::strong_actor_ptr owned(group_kind kind, std::int64_t group,
                              group_owner owner) {
    caf::strong_actor_ptr out;
    self->request(caf::actor_cast<detail::broker_impl>(db), bound,
                  own_atom::value, static_cast<std::int16_t>(kind), group,
                  owner.member, owner.epoch)
        .receive([&](caf::strong_actor_ptr& x) { out = std::move(x); },
                 [&](caf::error& err) {
                   CAF_FAIL("own failed: " << sys.render(err));
                 });
    return out;
  }

  /// Another member takes the group: released, then settled on member b.
  group_owner take_over(group_kind kind, std::int64_t group, group_owner from) {
    release_group(*admin, kind, group, from);
    return settle_owner(*admin, kind, group, member_b, lease);
  }

  /// Waits (bounded) for `x` to stop.
  bool stops(const caf::strong_actor_ptr& x) {
    self->monitor(x);
    auto stopped = false;
    self->receive([&](caf::down_msg&) { stopped = true; },
                  caf::after(bound) >> [] {});
    return stopped;
  }

  broker_status require_status(const broker& b) {
    auto x = status(self, b, caf::duration{bound});
    if (!x)
      CAF_FAIL(sys.render(x.error()));
    return *x;
  }

  std::int64_t count(const std::string& stmt) {
    return admin->execute(stmt).rows.at(0).at(0).as_integer();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_fencing_tests, fixture)

CAF_TEST(items_of_a_lost_group_commit_nothing_and_fail_fenced) {
  auto owner = settle_owner(*admin, group_kind::items, 7, member_a, lease);
  auto old = caf::actor_cast<items>(owned(group_kind::items, 7, owner));
  CAF_REQUIRE(set(self, old, "a", 1));
  auto now = take_over(group_kind::items, 7, owner);
  CAF_CHECK_EQUAL(now.member, member_b);
  auto late = set(self, old, "a", 2);
  CAF_REQUIRE(!late);
  CAF_MESSAGE("the old owner's write: " << sys.render(late.error()));
  CAF_CHECK(is(late.error(), errc::fenced));
  CAF_CHECK(stops(caf::actor_cast<caf::strong_actor_ptr>(old)));
  // Only the first write is in, at its first version.
  CAF_CHECK_EQUAL(count("SELECT count(*) FROM sasync_items WHERE group_id = 7"),
                  1);
  CAF_CHECK_EQUAL(count("SELECT version FROM sasync_items WHERE group_id = 7"),
                  1);
  // The new ownership gets a new actor, which writes.
  auto fresh = caf::actor_cast<items>(owned(group_kind::items, 7, now));
  CAF_CHECK(fresh.address() != old.address());
  CAF_REQUIRE(set(self, fresh, "a", 3));
  auto got = get<int>(self, fresh, "a");
  CAF_REQUIRE(got && *got);
  CAF_CHECK_EQUAL(**got, 3);
}

CAF_TEST(a_dict_flush_after_a_takeover_fails_fenced_and_commits_nothing) {
  auto owner = settle_owner(*admin, group_kind::dict, 8, member_a, lease);
  auto old = caf::actor_cast<dict>(owned(group_kind::dict, 8, owner));
  CAF_REQUIRE(set(self, old, "x", 1));
  CAF_REQUIRE(flush(self, old));
  take_over(group_kind::dict, 8, owner);
  // Written behind: the set is taken, its write is fenced.
  CAF_REQUIRE(set(self, old, "x", 2));
  auto flushed = flush(self, old);
  CAF_REQUIRE(!flushed);
  CAF_MESSAGE("the old owner's flush: " << sys.render(flushed.error()));
  // Fenced; or, when the fenced write ended before the flush came, the
  // dict had already stopped (it stops once it lost its group).
  CAF_CHECK(is(flushed.error(), errc::fenced)
            || is(flushed.error(), errc::shutting_down));
  CAF_CHECK(stops(caf::actor_cast<caf::strong_actor_ptr>(old)));
  CAF_CHECK_EQUAL(count("SELECT version FROM sasync_items WHERE group_id = 8"),
                  1);
  CAF_CHECK_EQUAL(count("SELECT count(*) FROM sasync_items WHERE group_id = 8 "
                        "AND name = 'x'"),
                  1);
}

CAF_TEST(array_writes_of_a_lost_group_fail_fenced) {
  auto owner = settle_owner(*admin, group_kind::array, 9, member_a, lease);
  auto old = caf::actor_cast<array>(owned(group_kind::array, 9, owner));
  CAF_REQUIRE(set(self, old, coordinates{0, 0, 0}, 1));
  take_over(group_kind::array, 9, owner);
  auto late = set(self, old, coordinates{0, 0, 1}, 2);
  CAF_REQUIRE(!late);
  CAF_CHECK(is(late.error(), errc::fenced));
  CAF_CHECK(stops(caf::actor_cast<caf::strong_actor_ptr>(old)));
  CAF_CHECK_EQUAL(count("SELECT count(*) FROM sasync_array WHERE group_id = 9"),
                  1);
}

CAF_TEST(writes_run_together_fail_only_for_the_group_that_was_lost) {
  // One connection, held busy, so that the writes of two groups wait and
  // then run as one batch (their fences once each, their sets merged).
  // Group 11 is taken over meanwhile: its writes fail fenced and commit
  // nothing; group 12's, in the same transaction, all commit.
  broker_config bc;
  bc.engine = engine_config::parse(url());
  bc.engine->pool_size = 1;
  bc.engine->max_overflow = 0;
  auto one = spawn_broker(sys, bc);
  auto own = [&](std::int64_t group) {
    auto owner = settle_owner(*admin, group_kind::items, group, member_a, lease);
    caf::strong_actor_ptr out;
    self->request(caf::actor_cast<detail::broker_impl>(one), bound,
                  own_atom::value, static_cast<std::int16_t>(group_kind::items),
                  group, owner.member, owner.epoch)
        .receive([&](caf::strong_actor_ptr& x) { out = std::move(x); },
                 [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return std::make_pair(caf::actor_cast<items>(out), owner);
  };
  auto [lost, lost_owner] = own(11);
  auto [kept, kept_owner] = own(12);
  CAF_REQUIRE(set(self, lost, "n0", 0));
  auto started = std::make_shared<std::promise<void>>();
  auto go = std::make_shared<std::promise<void>>();
  auto go_future = go->get_future().share();
  auto blocker = make_job(access_mode::write,
                          [started, go_future](transaction_scope&) {
                            started->set_value();
                            go_future.wait_for(bound);
                          });
  auto blocked = self->request(one, bound, transact_atom::value,
                               job_ptr{blocker}, niceness(0));
  CAF_REQUIRE(started->get_future().wait_for(bound) ==
              std::future_status::ready);
  constexpr int n = 4;
  using answer = decltype(self->request(lost, bound, set_atom::value,
                                        std::string{}, stored_value{}));
  std::vector<answer> to_lost;
  std::vector<answer> to_kept;
  for (int i = 0; i < n; ++i) {
    auto name = "n" + std::to_string(i);
    to_lost.push_back(self->request(lost, bound, set_atom::value, name,
                                    encode(std::int64_t{10 + i})));
    to_kept.push_back(self->request(kept, bound, set_atom::value, name,
                                    encode(std::int64_t{20 + i})));
  }
  auto waiting = [&] { return require_status(one).queue.waiting; };
  for (int i = 0; i < 10'000 && waiting() < 2 * n; ++i)
    std::this_thread::yield();
  CAF_REQUIRE_EQUAL(waiting(), static_cast<std::uint64_t>(2 * n));
  take_over(group_kind::items, 11, lost_owner);
  go->set_value();
  blocked.receive([] {}, [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  for (auto& x : to_lost)
    x.receive([] { CAF_FAIL("a write of the lost group committed"); },
              [](caf::error& err) { CAF_CHECK(is(err, errc::fenced)); });
  for (auto& x : to_kept)
    x.receive([] {}, [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  CAF_CHECK_EQUAL(
      count("SELECT count(*) FROM sasync_items WHERE group_id = 11"), 1);
  CAF_CHECK_EQUAL(
      count("SELECT max(version) FROM sasync_items WHERE group_id = 11"), 1);
  CAF_CHECK_EQUAL(
      count("SELECT count(*) FROM sasync_items WHERE group_id = 12"), n);
  for (int i = 0; i < n; ++i) {
    auto got = get<std::int64_t>(self, kept, "n" + std::to_string(i));
    CAF_REQUIRE(got && *got);
    CAF_CHECK_EQUAL(**got, 20 + i);
  }
  self->request(one, bound, shutdown_atom::value)
      .receive([] {}, [](caf::error&) {});
}

CAF_TEST(an_actor_of_an_older_epoch_is_replaced) {
  auto owner = settle_owner(*admin, group_kind::items, 10, member_a, lease);
  auto first = owned(group_kind::items, 10, owner);
  CAF_CHECK(owned(group_kind::items, 10, owner) == first);
  auto now = take_over(group_kind::items, 10, owner);
  CAF_CHECK(owned(group_kind::items, 10, now) != first);
}

CAF_TEST(own_refuses_an_unknown_kind) {
  caf::error err;
  self->request(caf::actor_cast<detail::broker_impl>(db), bound,
                own_atom::value, std::int16_t{9}, std::int64_t{1}, member_a,
                std::int64_t{1})
      .receive([](caf::strong_actor_ptr&) {},
               [&](caf::error& e) { err = std::move(e); });
  CAF_CHECK(is(err, errc::invalid_argument));
}

CAF_TEST_FIXTURE_SCOPE_END()
