// One owner per group with real processes: three sasyncd nodes on loopback
// ports, one PostgreSQL database (a schema of this run's own). A group's
// actor lives on its owner whatever node a client asks; ownership spreads
// over the members; a node that lost a group commits nothing for it; a
// killed owner's groups move on the next request. Every wait is bounded and
// waits for the event it names.
#define CAF_SUITE remote.cluster_owners

#include "sasync/actors/client.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/net/remote.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/storage/cluster_store.hpp"
#include "sasync/storage/connection.hpp"

#include "backends.hpp"
#include "child_process.hpp"
#include "cluster_fixture.hpp"
#include "daemon_process.hpp"
#include "metrics_http.hpp"
#include "ordered_burst.hpp"
#include "program_paths.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace sasync;
using namespace std::chrono_literals;

namespace {

constexpr auto bound = std::chrono::seconds(30);
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

struct fixture : test::cluster_fixture {
  fixture() : cluster_fixture("owners") {}

  node connect(test::daemon_process& d) {
    auto db = connect_node(sys, d.host(), d.port(), 10s);
    if (!db)
      CAF_FAIL("cannot connect: " << sys.render(db.error()));
    return *db;
  }

  /// Waits (bounded) until every node lists all as alive members.
  bool all_alive(std::vector<test::daemon_process*> nodes) {
    auto deadline = clock_type::now() + bound;
    while (clock_type::now() < deadline) {
      auto ok = true;
      for (auto* d : nodes) {
        auto db = connect_node(sys, d->host(), d->port(), 10s);
        if (!db) {
          ok = false;
          break;
        }
        auto view = cluster_members_of(self, *db, 10s);
        disconnect_node(*db);
        auto alive = 0u;
        if (view)
          for (auto& m : view->members)
            alive += m.alive ? 1 : 0;
        if (!view || view->self == 0 || alive != nodes.size())
          ok = false;
      }
      if (ok)
        return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  /// The recorded owner of a group: its member id and address.
  std::pair<std::int64_t, std::string> owner_of(group_kind kind,
                                                std::int64_t group) {
    auto rs = admin->execute(
        "SELECT o.member, m.address, o.epoch FROM sasync_owners o JOIN "
        "sasync_members m ON m.id = o.member WHERE o.kind = ? AND o.grp = ?",
        {value{row_kind(kind)}, value{group}});
    if (rs.rows.empty())
      return {0, ""};
    return {rs.rows[0].at(0).as_integer(), rs.rows[0].at(1).as_text()};
  }

  /// The kind of the owner row a group uses: items and dict of one group
  /// share one (cluster_store).
  static std::int64_t row_kind(group_kind kind) {
    return static_cast<std::int64_t>(kind == group_kind::dict ? group_kind::items
                                                              : kind);
  }

  std::int64_t epoch_of(group_kind kind, std::int64_t group) {
    auto rs = admin->execute(
        "SELECT epoch FROM sasync_owners WHERE kind = ? AND grp = ?",
        {value{row_kind(kind)}, value{group}});
    return rs.rows.empty() ? 0 : rs.rows[0].at(0).as_integer();
  }

  /// The stored row of an item: its version, or 0 when absent.
  std::int64_t version_of(std::int64_t group, const std::string& name) {
    auto rs = admin->execute("SELECT version FROM sasync_items WHERE "
                             "group_id = ? AND name = ?",
                             {value{group}, value{name}});
    return rs.rows.empty() ? 0 : rs.rows[0].at(0).as_integer();
  }

  static run_result cli(std::vector<std::string> args) {
    args.insert(args.begin(), {test::sasync_cli_path(), "--timeout", "10"});
    return run_to_end(args, bound);
  }

  /// Terminates the session that holds `member`'s advisory lock.
  std::int64_t terminate_session_of(std::int64_t member) {
    return admin
        ->execute("SELECT count(pg_terminate_backend(pid)) FROM "
                  "pg_locks WHERE locktype = 'advisory' AND "
                  "classid = ((('sasync_members'::regclass)::oid"
                  "::bigint % 2147483647)::int4)::oid AND "
                  "objsubid = 2 AND "
                  "objid = (? % 2147483647)::int4::oid",
                  {value{member}})
        .rows.at(0)
        .at(0)
        .as_integer();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_owner_tests, fixture)

CAF_TEST(a_dict_used_through_two_nodes_is_one_actor_on_its_owner) {
  test::daemon_process a{config("a")}, b{config("b")}, c{config("c")};
  CAF_REQUIRE(all_alive({&a, &b, &c}));
  auto via_a = connect(a);
  auto via_b = connect(b);
  auto da = dict_of(self, via_a, 42, 10s);
  CAF_REQUIRE(da);
  auto db = dict_of(self, via_b, 42, 10s);
  CAF_REQUIRE(db);
  // Written behind on one node, read at once through the other: only the
  // same dict actor (its cache, its order per name) sees every write.
  for (int i = 0; i < 50; ++i) {
    auto& writer = i % 2 == 0 ? *da : *db;
    auto& reader = i % 2 == 0 ? *db : *da;
    CAF_REQUIRE(set(self, writer, "n", i));
    auto got = get<int>(self, reader, "n");
    CAF_REQUIRE(got && *got);
    CAF_CHECK_EQUAL(**got, i);
  }
  CAF_REQUIRE(flush(self, *da));
  auto owner = owner_of(group_kind::dict, 42);
  CAF_MESSAGE("dict 42 is owned by member " << owner.first << " at "
                                            << owner.second);
  CAF_CHECK_NOT_EQUAL(owner.first, 0);
  CAF_CHECK_EQUAL(version_of(42, "n") > 0, true);
  disconnect_node(via_a);
  disconnect_node(via_b);
}

CAF_TEST(a_dict_and_items_of_one_group_agree_through_different_nodes) {
  test::daemon_process a{config("a")}, b{config("b")}, c{config("c")};
  CAF_REQUIRE(all_alive({&a, &b, &c}));
  auto via_a = connect(a);
  auto via_b = connect(b);
  // The dict through one node, items of the same group through another:
  // they share one owner, so the items actor's requests run through the
  // dict there and each sees the other's writes at once.
  auto cache = dict_of(self, via_a, 43, 10s);
  CAF_REQUIRE(cache);
  auto store = items_of(self, via_b, 43, 10s);
  CAF_REQUIRE(store);
  for (int i = 0; i < 20; ++i) {
    CAF_REQUIRE(set(self, *cache, "d", i));
    auto seen = get<int>(self, *store, "d");
    CAF_REQUIRE(seen && *seen);
    CAF_CHECK_EQUAL(**seen, i);
    CAF_REQUIRE(set(self, *store, "i", i));
    auto cached = get<int>(self, *cache, "i");
    CAF_REQUIRE(cached && *cached);
    CAF_CHECK_EQUAL(**cached, i);
  }
  CAF_CHECK_EQUAL(owner_of(group_kind::dict, 43),
                  owner_of(group_kind::items, 43));
  disconnect_node(via_a);
  disconnect_node(via_b);
}

CAF_TEST(a_batch_is_refused_in_cluster_mode) {
  test::daemon_process a{config("a")};
  CAF_REQUIRE(all_alive({&a}));
  auto via_a = connect(a);
  CAF_REQUIRE(items_of(self, via_a, 44, 10s)); // the tables exist
  batch_builder ops;
  ops.set(44, "n", std::int64_t{1});
  auto done = batch(self, via_a, ops, 10s);
  CAF_REQUIRE(!done);
  CAF_MESSAGE("refused: " << sys.render(done.error()));
  CAF_CHECK(is(done.error(), errc::invalid_argument));
  CAF_CHECK_EQUAL(version_of(44, "n"), 0);
  disconnect_node(via_a);
}

CAF_TEST(ownership_spreads_over_the_members) {
  test::daemon_process a{config("a")}, b{config("b")}, c{config("c")};
  CAF_REQUIRE(all_alive({&a, &b, &c}));
  auto via_a = connect(a);
  for (std::int64_t g = 1; g <= 16; ++g) {
    auto store = items_of(self, via_a, g, 10s);
    CAF_REQUIRE(store);
    CAF_REQUIRE(set(self, *store, "k", g));
  }
  disconnect_node(via_a);
  auto res =
      cli({"--host", a.host(), "--port", std::to_string(a.port()), "cluster"});
  CAF_MESSAGE("sasync cluster:\n" << res.output << res.errors);
  CAF_CHECK_EQUAL(res.code, 0);
  int owners = 0;
  std::istringstream lines{res.output};
  for (std::string line; std::getline(lines, line);)
    if (line.substr(line.rfind('\t') + 1) != "0")
      ++owners;
  CAF_CHECK_GREATER(owners, 1);
}

CAF_TEST(a_node_that_lost_a_group_commits_nothing_for_it) {
  test::daemon_process a{config("a")}, b{config("b")}, c{config("c")};
  CAF_REQUIRE(all_alive({&a, &b, &c}));
  auto via_a = connect(a);
  auto old_items = items_of(self, via_a, 7, 10s);
  auto old_dict = dict_of(self, via_a, 8, 10s);
  CAF_REQUIRE(old_items && old_dict);
  CAF_REQUIRE(set(self, *old_items, "x", 1));
  CAF_REQUIRE(set(self, *old_dict, "y", 1));
  CAF_REQUIRE(flush(self, *old_dict));
  auto items_owner = owner_of(group_kind::items, 7);
  auto dict_owner = owner_of(group_kind::dict, 8);
  auto items_epoch = epoch_of(group_kind::items, 7);
  auto dict_epoch = epoch_of(group_kind::dict, 8);
  // The owners' membership sessions end; the nodes keep running and do not
  // know yet. Both groups then go to whoever is preferred now.
  CAF_REQUIRE_EQUAL(terminate_session_of(items_owner.first), 1);
  if (dict_owner.first != items_owner.first)
    CAF_REQUIRE_EQUAL(terminate_session_of(dict_owner.first), 1);
  auto deadline = clock_type::now() + bound;
  // One connection to b for the whole test: closing it could also close
  // the route to an old actor that lives on b.
  auto via_b = connect(b);
  while (clock_type::now() < deadline &&
         (epoch_of(group_kind::items, 7) == items_epoch ||
          epoch_of(group_kind::dict, 8) == dict_epoch)) {
    // Any node takes the groups over on the next request for them.
    auto i = items_of(self, via_b, 7, 10s);
    auto d = dict_of(self, via_b, 8, 10s);
    if (!i || !d)
      std::this_thread::sleep_for(50ms);
  }
  CAF_REQUIRE_NOT_EQUAL(epoch_of(group_kind::items, 7), items_epoch);
  CAF_REQUIRE_NOT_EQUAL(epoch_of(group_kind::dict, 8), dict_epoch);
  // The old actors still run: their writes now fail and commit nothing.
  auto late = set(self, *old_items, "x", 2);
  CAF_REQUIRE(!late);
  CAF_MESSAGE("the old owner's items write: " << sys.render(late.error()));
  CAF_CHECK(is(late.error(), errc::fenced));
  auto accepted = set(self, *old_dict, "y", 2); // written behind
  auto flushed = flush(self, *old_dict);
  CAF_REQUIRE(!accepted || !flushed);
  CAF_MESSAGE("the old owner's dict write: "
              << sys.render(accepted ? flushed.error() : accepted.error()));
  // Fenced; or, when the fenced write ended before the flush came, the
  // dict had already stopped, and its handle says so (unreachable through
  // a node). Either way nothing of it committed (below).
  auto& dict_error = accepted ? flushed.error() : accepted.error();
  CAF_CHECK(is(dict_error, errc::fenced)
            || is(dict_error, errc::shutting_down)
            || is(dict_error, errc::unreachable));
  CAF_CHECK_EQUAL(version_of(7, "x"), 1);
  CAF_CHECK_EQUAL(version_of(8, "y"), 1);
  disconnect_node(via_b);
  // Through any node the groups hold the committed values.
  auto via_c = connect(c);
  // A node whose membership session was cut answers database_error
  // (retryable) until it has noticed and reconnected: asked again.
  auto now_items = items_of(self, via_c, 7, 10s);
  for (auto until = clock_type::now() + bound;
       !now_items && is_retryable(now_items.error()) &&
       clock_type::now() < until;
       now_items = items_of(self, via_c, 7, 10s)) {
    CAF_MESSAGE(
        "items 7 through c, asked again: " << sys.render(now_items.error()));
    std::this_thread::sleep_for(50ms);
  }
  if (!now_items)
    CAF_FAIL("items 7 through c: " << sys.render(now_items.error()));
  auto x = get<int>(self, *now_items, "x");
  CAF_REQUIRE(x && *x);
  CAF_CHECK_EQUAL(**x, 1);
  CAF_CHECK(set(self, *now_items, "x", 3));
  CAF_CHECK_EQUAL(version_of(7, "x"), 2);
  disconnect_node(via_c);
  disconnect_node(via_a);
}

CAF_TEST(a_killed_owners_groups_move_on_the_next_request) {
  constexpr double lease = 2;
  test::daemon_process a{config("a", lease)}, b{config("b", lease)},
      c{config("c", lease)};
  CAF_REQUIRE(all_alive({&a, &b, &c}));
  std::vector<test::daemon_process*> nodes{&a, &b, &c};
  auto via_a = connect(a);
  auto store = items_of(self, via_a, 5, 10s);
  CAF_REQUIRE(store);
  CAF_REQUIRE(set(self, *store, "k", 1));
  disconnect_node(via_a);
  auto owner = owner_of(group_kind::items, 5);
  test::daemon_process* victim = nullptr;
  test::daemon_process* survivor = nullptr;
  for (auto* d : nodes)
    if (address(*d) == owner.second)
      victim = d;
    else if (!survivor)
      survivor = d;
  CAF_REQUIRE(victim != nullptr && survivor != nullptr);
  victim->process().signal(SIGKILL);
  CAF_REQUIRE(victim->process().wait(bound));
  auto t0 = clock_type::now();
  auto deadline = t0 + bound;
  auto done = false;
  std::string why;
  while (!done && clock_type::now() < deadline) {
    auto db = connect_node(sys, survivor->host(), survivor->port(), 10s);
    if (!db)
      continue;
    auto s = items_of(self, *db, 5, 10s);
    if (s) {
      auto w = set(self, *s, "k", 2);
      done = static_cast<bool>(w);
      if (!w)
        why = sys.render(w.error());
    } else {
      why = sys.render(s.error());
    }
    disconnect_node(*db);
    if (!done)
      std::this_thread::sleep_for(20ms);
  }
  auto took = seconds_since(t0);
  CAF_MESSAGE("kill -9 of the owner: the next write through a live node "
              "succeeded after "
              << took << " s (lease " << lease << " s); last error: " << why);
  CAF_CHECK(done);
  CAF_CHECK_LESS(took, lease + 5);
  CAF_CHECK_EQUAL(version_of(5, "k"), 2);
}

CAF_TEST(a_frozen_owner_thawed_after_a_takeover_commits_nothing) {
  constexpr double lease = 2;
  test::daemon_process a{config("a", lease)}, b{config("b", lease)},
      c{config("c", lease)};
  CAF_REQUIRE(all_alive({&a, &b, &c}));
  std::vector<test::daemon_process*> nodes{&a, &b, &c};
  // The group's owner, and a node that is not it to ask through.
  auto via_a = connect(a);
  auto old = items_of(self, via_a, 11, 10s);
  CAF_REQUIRE(old);
  CAF_REQUIRE(set(self, *old, "x", 1));
  auto owner = owner_of(group_kind::items, 11);
  auto epoch = epoch_of(group_kind::items, 11);
  test::daemon_process* frozen = nullptr;
  test::daemon_process* other = nullptr;
  for (auto* d : nodes)
    if (address(*d) == owner.second)
      frozen = d;
    else if (!other)
      other = d;
  CAF_REQUIRE(frozen != nullptr && other != nullptr);
  frozen->process().signal(SIGSTOP);
  // Its session and lock stay; its reports stop, so after the lease the
  // cluster counts it dead and the next request takes the group over.
  auto t0 = clock_type::now();
  auto deadline = t0 + bound;
  while (clock_type::now() < deadline &&
         epoch_of(group_kind::items, 11) == epoch) {
    auto db = connect_node(sys, other->host(), other->port(), 10s);
    if (db) {
      // A request still routed to the frozen owner waits for it: a short
      // timeout, so the next one goes once the lease has passed.
      auto taken = items_of(self, *db, 11, 2s);
      if (taken)
        CAF_CHECK(set(self, *taken, "y", 1));
      disconnect_node(*db);
    }
    std::this_thread::sleep_for(50ms);
  }
  CAF_MESSAGE("frozen owner: taken over after "
              << seconds_since(t0) << " s (lease " << lease << " s)");
  CAF_REQUIRE_NOT_EQUAL(epoch_of(group_kind::items, 11), epoch);
  // A write to the frozen owner's actor, pending while it is stopped (or
  // sent just after it thawed: the outcome is the same).
  auto pending = std::async(std::launch::async, [&] {
    caf::scoped_actor writer{sys};
    return set(writer, *old, "x", 2, 20s);
  });
  frozen->process().signal(SIGCONT);
  auto late = pending.get();
  CAF_REQUIRE(!late);
  CAF_MESSAGE("the thawed owner's write: " << sys.render(late.error()));
  CAF_CHECK(is(late.error(), errc::fenced));
  CAF_CHECK_EQUAL(version_of(11, "x"), 1);
  disconnect_node(via_a);
}

CAF_TEST(a_cluster_client_uses_the_owner_and_asks_again_after_it_died) {
  constexpr double lease = 2;
  test::daemon_process a{config("a", lease)}, b{config("b", lease)},
      c{config("c", lease)};
  CAF_REQUIRE(all_alive({&a, &b, &c}));
  std::vector<test::daemon_process*> nodes{&a, &b, &c};
  auto cluster = connect_cluster(
      sys, {{a.host(), a.port()}, {b.host(), b.port()}, {c.host(), c.port()}},
      10s);
  CAF_REQUIRE(cluster);
  auto via_c = connect(c);
  auto mine = dict_of(self, *cluster, 60, 10s);
  auto theirs = dict_of(self, via_c, 60, 10s);
  CAF_REQUIRE(mine && theirs);
  CAF_REQUIRE(set(self, *mine, "n", 1));
  auto seen = get<int>(self, *theirs, "n");
  CAF_REQUIRE(seen && *seen);
  CAF_CHECK_EQUAL(**seen, 1);
  CAF_REQUIRE(flush(self, *mine));
  disconnect_node(via_c);
  auto owner = owner_of(group_kind::dict, 60);
  test::daemon_process* victim = nullptr;
  for (auto* d : nodes)
    if (address(*d) == owner.second)
      victim = d;
  CAF_REQUIRE(victim != nullptr);
  victim->process().signal(SIGKILL);
  CAF_REQUIRE(victim->process().wait(bound));
  auto t0 = clock_type::now();
  // Sent into the dead connection, it fails with unreachable (it may have
  // run); sent once the handle knew, it goes to the group's new owner.
  auto gone = set(self, *mine, "n", 2);
  CAF_MESSAGE("the dead owner's handle: " << (gone ? std::string{"answered"}
                                                   : sys.render(gone.error())));
  CAF_CHECK(gone || is(gone.error(), errc::unreachable));
  // The same cluster handle gives the group again, on its new owner.
  auto done = false;
  std::string why;
  for (auto until = t0 + bound; !done && clock_type::now() < until;) {
    auto again = dict_of(self, *cluster, 60, 10s);
    if (again) {
      auto w = set(self, *again, "n", 3);
      auto f = w ? flush(self, *again) : caf::expected<void>{w.error()};
      done = static_cast<bool>(f);
      if (!f)
        why = sys.render(f.error());
    } else {
      why = sys.render(again.error());
    }
    if (!done)
      std::this_thread::sleep_for(20ms);
  }
  CAF_MESSAGE("kill -9 of the owner: the cluster handle wrote again after "
              << seconds_since(t0) << " s; last error: " << why);
  CAF_CHECK(done);
  // n=1, then n=3 (n=2 too when the handle took it to the new owner; a dict
  // may write the two behind at once).
  CAF_CHECK_GREATER_OR_EQUAL(version_of(60, "n"), 2);
  disconnect_node(*cluster);
}

CAF_TEST(requests_through_a_node_that_is_not_the_owner_travel_in_relays) {
  auto metrics = std::string{"[metrics]\nport=0\n"};
  test::daemon_process a{config("a", 2, {}, {}, metrics)},
      b{config("b", 2, {}, {}, metrics)};
  std::map<std::string, std::uint16_t> metrics_at;
  for (auto* d : {&a, &b}) {
    metrics_at[address(*d)] = test::metrics_port_of(d->process(), bound);
    CAF_REQUIRE_NOT_EQUAL(metrics_at[address(*d)], 0);
  }
  CAF_REQUIRE(all_alive({&a, &b}));
  auto via_a = connect(a);
  CAF_REQUIRE(items_of(self, via_a, 70, 10s));
  auto owner = owner_of(group_kind::items, 70).second;
  auto& other = address(a) == owner ? b : a;
  CAF_MESSAGE("items 70 is owned by " << owner << "; asked through "
                                      << address(other));
  CAF_REQUIRE_NOT_EQUAL(address(other), owner);
  auto db = connect(other);
  auto store = items_of(self, db, 70, 10s);
  CAF_REQUIRE(store);
  constexpr int sets = 1000;
  auto burst =
      test::send_ordered_burst(self, *store, sets, caf::duration{bound});
  CAF_CHECK_EQUAL(burst.first_error, "");
  CAF_CHECK_EQUAL(burst.acknowledged, 2 * sets);
  CAF_CHECK_EQUAL(burst.in_order, burst.gets);
  CAF_CHECK_EQUAL(burst.first_misread, "");
  CAF_CHECK_GREATER(version_of(70, "k999"), 0);
  // The owner's items actor took the relays whole; the node in between
  // took none (a relay to it would be counted there).
  auto at_owner = test::scrape_metrics(metrics_at[owner]);
  auto relays = test::sample(at_owner, "sasync_relays_total");
  auto relayed = test::sample(at_owner, "sasync_relayed_requests_total");
  CAF_MESSAGE(2 * sets << " sets through another node: " << relayed
                       << " of them in " << relays << " relays");
  CAF_CHECK_GREATER(relays, 0);
  CAF_CHECK_GREATER(relayed, 2 * relays);
  auto between = test::scrape_metrics(metrics_at[address(other)]);
  CAF_CHECK_LESS_OR_EQUAL(test::sample(between, "sasync_relays_total"), 0);
  disconnect_node(db);
  disconnect_node(via_a);
}

// The README: a node whose membership session was cut answers group
// requests with a retryable error until its membership has reconnected,
// then serves them again.
CAF_TEST(a_node_whose_membership_session_was_cut_answers_retryably_until_back) {
  test::daemon_process a{config("a")};
  CAF_REQUIRE(all_alive({&a}));
  auto via_a = connect(a);
  auto store = items_of(self, via_a, 9, 10s);
  CAF_REQUIRE(store);
  CAF_REQUIRE(set(self, *store, "n", 1));
  auto member = owner_of(group_kind::items, 9).first;
  CAF_REQUIRE_EQUAL(terminate_session_of(member), 1);
  auto t0 = clock_type::now();
  std::map<std::string, int> errors; // by rendered kind
  auto served = false;
  while (!served && clock_type::now() < t0 + bound) {
    auto again = items_of(self, via_a, 9, 10s);
    auto w = again ? set(self, *again, "n", 2, 10s)
                   : caf::expected<void>{again.error()};
    if (w) {
      served = true;
      break;
    }
    auto& err = w.error();
    CAF_CHECK(is_retryable(err));
    if (!is_retryable(err))
      CAF_MESSAGE("not retryable: " << sys.render(err));
    ++errors[err.category() == errc_category
                 ? to_string(static_cast<errc>(err.code()))
                 : caf::to_string(err)];
    std::this_thread::sleep_for(20ms);
  }
  for (auto& [kind, n] : errors)
    CAF_MESSAGE(n << " requests answered " << kind);
  CAF_MESSAGE("served again after " << seconds_since(t0) << " s");
  CAF_CHECK(served);
  CAF_CHECK_EQUAL(version_of(9, "n"), 2);
  disconnect_node(via_a);
}

CAF_TEST_FIXTURE_SCOPE_END()
