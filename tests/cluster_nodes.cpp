// Cluster mode with real processes: sasyncd nodes on loopback ports, one
// PostgreSQL database (a schema of this run's own), the CLI and
// connect_cluster. Members join, are seen alive, die with kill -9, leave
// with SIGTERM; clients fail over. Every wait is bounded and waits for the
// event it names.
#define CAF_SUITE remote.cluster

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
#include "has_ended.hpp"
#include "metrics_http.hpp"
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
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
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
  fixture() : cluster_fixture("nodes") {}

  /// The cluster as `d` reports it through connect_node.
  caf::expected<cluster_view> view_from(test::daemon_process& d) {
    return view_from(d.host(), d.port());
  }

  caf::expected<cluster_view> view_from(const std::string& host,
                                        std::uint16_t port) {
    auto db = connect_node(sys, host, port, 10s);
    if (!db)
      return db.error();
    auto view = cluster_members_of(self, *db, 10s);
    disconnect_node(*db);
    return view;
  }

  /// Waits (bounded) until `d` reports a cluster for which `holds` is true;
  /// the last view it saw goes to `last`.
  bool wait_for_view(test::daemon_process& d,
                     const std::function<bool(const cluster_view&)>& holds,
                     cluster_view* last = nullptr) {
    if (wait_for_view(d.host(), d.port(), holds, last))
      return true;
    CAF_MESSAGE("stderr of " << address(d) << ":\n" << d.process().errors());
    return false;
  }

  bool wait_for_view(const std::string& host, std::uint16_t port,
                     const std::function<bool(const cluster_view&)>& holds,
                     cluster_view* last = nullptr) {
    auto deadline = clock_type::now() + bound;
    std::string why;
    while (clock_type::now() < deadline) {
      auto view = view_from(host, port);
      if (view && last)
        *last = *view;
      if (view && holds(*view))
        return true;
      if (!view)
        why = sys.render(view.error());
      std::this_thread::sleep_for(20ms);
    }
    CAF_MESSAGE("the last view or error: " << (last ? last->members.size() : 0)
                                           << " members; " << why);
    return false;
  }

  static bool alive_in(const cluster_view& v, const std::string& address) {
    for (auto& m : v.members)
      if (m.address == address && m.alive)
        return true;
    return false;
  }

  static bool listed_in(const cluster_view& v, const std::string& address) {
    for (auto& m : v.members)
      if (m.address == address)
        return true;
    return false;
  }

  static bool listed_in_id(const cluster_view& v, std::int64_t id) {
    for (auto& m : v.members)
      if (m.id == id)
        return true;
    return false;
  }

  static std::function<bool(const cluster_view&)>
  all_alive(std::vector<std::string> addresses) {
    return [addresses](const cluster_view& v) {
      for (auto& a : addresses)
        if (!alive_in(v, a))
          return false;
      return true;
    };
  }

  /// Asks `holds` every 20 ms until it is true (true) or `bound` has passed.
  static bool poll_until(const std::function<bool()>& holds) {
    for (auto deadline = clock_type::now() + bound;
         clock_type::now() < deadline; std::this_thread::sleep_for(20ms))
      if (holds())
        return true;
    return false;
  }

  /// The address of the node a cluster handle answers through once it has
  /// failed over from a node that was killed: a request that reached the
  /// dead node may fail with unreachable (its fate unknown), the next one
  /// goes through a live node.
  std::string through_after_failover(const node& db) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto view = cluster_members_of(self, db, bound);
      if (!view) {
        CAF_MESSAGE("after the kill: " << sys.render(view.error()));
        CAF_CHECK(is(view.error(), errc::unreachable));
        continue;
      }
      for (auto& m : view->members)
        if (m.id == view->self)
          return m.address;
      return "member " + std::to_string(view->self) + " not listed";
    }
    return "no answer through any node";
  }

  static run_result cli(std::vector<std::string> args) {
    args.insert(args.begin(), {test::sasync_cli_path(), "--timeout", "10"});
    return run_to_end(args, bound);
  }

  static int lines_of(const std::string& text) {
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  }

  static run_result daemon_to_end(const std::filesystem::path& config) {
    return run_to_end(
        {test::sasyncd_path(), "--config-file=" + config.string()}, bound);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_node_tests, fixture)

CAF_TEST(three_nodes_list_each_other_as_alive) {
  test::daemon_process a{config("a")}, b{config("b")}, c{config("c")};
  std::vector<std::string> all{address(a), address(b), address(c)};
  cluster_view view;
  for (auto* d : {&a, &b, &c})
    if (!wait_for_view(*d, all_alive(all), &view)) {
      CAF_ERROR("node " << address(*d) << " does not list all three alive");
      for (auto* e : {&a, &b, &c})
        CAF_MESSAGE("stderr of " << address(*e) << ":\n"
                                 << e->process().errors());
    }
  CAF_CHECK_EQUAL(view.members.size(), 3u);
  for (auto& m : view.members)
    CAF_CHECK_EQUAL(m.groups, 0);
  auto res =
      cli({"--host", a.host(), "--port", std::to_string(a.port()), "cluster"});
  CAF_MESSAGE("sasync cluster:\n" << res.output << res.errors);
  CAF_CHECK_EQUAL(res.code, 0);
  CAF_CHECK_EQUAL(lines_of(res.output), 3);
  for (auto& addr : all)
    CAF_CHECK(res.output.find(addr + "\talive\t0\n") != std::string::npos);
}

CAF_TEST(a_node_killed_with_kill_9_is_shown_dead_within_its_lease) {
  constexpr double lease = 2;
  test::daemon_process a{config("a", lease)}, b{config("b", lease)};
  CAF_REQUIRE(wait_for_view(a, all_alive({address(a), address(b)})));
  auto gone = address(b);
  b.process().signal(SIGKILL);
  CAF_REQUIRE(b.process().wait(bound));
  auto t0 = clock_type::now();
  CAF_REQUIRE(wait_for_view(
      a, [&](const cluster_view& v) { return !alive_in(v, gone); }));
  auto took = seconds_since(t0);
  CAF_MESSAGE("kill -9: shown not alive after " << took << " s (lease " << lease
                                                << " s)");
  CAF_CHECK_LESS(took, lease + 5);
  CAF_CHECK(alive_in(*view_from(a), address(a)));
}

CAF_TEST(a_node_stopped_with_sigterm_leaves_after_its_drain) {
  test::daemon_process a{config("a")}, b{config("b")};
  CAF_REQUIRE(wait_for_view(a, all_alive({address(a), address(b)})));
  auto left = address(b);
  CAF_CHECK_EQUAL(b.stop(), 0);
  CAF_MESSAGE("stderr of the stopped node: " << b.process().errors());
  // No wait: it left before it exited.
  auto view = view_from(a);
  CAF_REQUIRE(view);
  CAF_CHECK(!listed_in(*view, left));
  CAF_CHECK(alive_in(*view, address(a)));
}

/// The id of the alive member at `address`, or 0.
std::int64_t member_at(const cluster_view& v, const std::string& address) {
  for (auto& m : v.members)
    if (m.address == address && m.alive)
      return m.id;
  return 0;
}

CAF_TEST(a_member_whose_session_is_terminated_reconnects_and_rejoins) {
  test::daemon_process a{config("a")};
  cluster_view view;
  CAF_REQUIRE(wait_for_view(a, all_alive({address(a)}), &view));
  auto old = member_at(view, address(a));
  // The member's own session: the one holding its advisory lock.
  auto killed = admin
                    ->execute("SELECT count(pg_terminate_backend(pid)) FROM "
                              "pg_locks WHERE locktype = 'advisory' AND "
                              "classid = ((('sasync_members'::regclass)::oid"
                              "::bigint % 2147483647)::int4)::oid AND "
                              "objsubid = 2 AND "
                              "objid = (? % 2147483647)::int4::oid",
                              {value{old}})
                    .rows.at(0)
                    .at(0)
                    .as_integer();
  CAF_REQUIRE_EQUAL(killed, 1);
  auto t0 = clock_type::now();
  // It serves meanwhile: its pool is not the membership's session.
  auto db = connect_node(sys, a.host(), a.port(), bound);
  CAF_REQUIRE(db);
  auto rows = sql(self, *db, "SELECT 1", {}, bound);
  if (!rows)
    CAF_ERROR("a statement while it rejoins: " << sys.render(rows.error()));
  disconnect_node(*db);
  CAF_CHECK(wait_for_view(
      a,
      [&](const cluster_view& v) {
        auto now = member_at(v, address(a));
        return now != 0 && now != old;
      },
      &view));
  CAF_MESSAGE("rejoined as member " << member_at(view, address(a)) << " (was "
                                    << old << ") after " << seconds_since(t0)
                                    << " s");
}

CAF_TEST(a_member_counted_dead_while_it_lives_joins_again) {
  test::daemon_process a{config("a")};
  cluster_view view;
  CAF_REQUIRE(wait_for_view(a, all_alive({address(a)}), &view));
  auto old = member_at(view, address(a));
  // As a frozen process's: its last report lies beyond the lease.
  admin->execute("UPDATE sasync_members SET seen_at = now() - "
                 "interval '1 hour' WHERE id = ?",
                 {value{old}});
  CAF_CHECK(wait_for_view(
      a,
      [&](const cluster_view& v) {
        auto now = member_at(v, address(a));
        return now != 0 && now != old && !listed_in_id(v, old);
      },
      &view));
  a.stop();
  // One line on stderr says so.
  auto errors = a.process().errors();
  auto lines = 0;
  for (auto at = errors.find("counted dead"); at != std::string::npos;
       at = errors.find("counted dead", at + 1))
    ++lines;
  CAF_CHECK_EQUAL(lines, 1);
}

CAF_TEST(two_nodes_starting_at_once_on_a_cold_database_both_come_up) {
  admin->execute_script("DROP TABLE sasync_members, sasync_owners");
  // Both started before either is waited for (daemon_process waits for
  // its line), so they create the tables at the same moment.
  auto command = [this](const std::string& name) {
    return std::vector<std::string>{test::sasyncd_path(),
                                    "--config-file=" + config(name).string()};
  };
  child_process a{command("a")}, b{command("b")};
  std::vector<std::string> addresses;
  for (auto* p : {&a, &b}) {
    auto line = p->read_line(bound);
    CAF_REQUIRE(line && line->rfind("listening on ", 0) == 0);
    addresses.push_back(line->substr(13));
  }
  auto both = all_alive(addresses);
  for (auto& at : addresses) {
    auto where = parse_endpoint(at);
    CAF_REQUIRE(where);
    CAF_CHECK(wait_for_view(where->host, where->port, both));
  }
  for (auto* p : {&a, &b}) {
    p->signal(SIGTERM);
    CAF_CHECK_EQUAL(p->wait(bound), 0);
    CAF_MESSAGE("stderr: " << p->errors());
  }
}

CAF_TEST(connect_cluster_fails_over_when_its_node_is_killed) {
  test::daemon_process a{config("a")}, b{config("b")};
  CAF_REQUIRE(wait_for_view(a, all_alive({address(a), address(b)})));
  auto db =
      connect_cluster(sys, {{a.host(), a.port()}, {b.host(), b.port()}}, 10s);
  CAF_REQUIRE(db);
  auto before = cluster_members_of(self, *db, bound);
  CAF_REQUIRE(before);
  auto through_a = std::find_if(before->members.begin(), before->members.end(),
                                [&](auto& m) { return m.id == before->self; });
  CAF_REQUIRE(through_a != before->members.end());
  CAF_CHECK_EQUAL(through_a->address, address(a));
  // A request in flight on A when A dies.
  auto in_flight =
      self->request(*db, caf::duration{bound}, sql_atom::value,
                    std::string{"SELECT pg_sleep(20)"}, std::vector<value>{});
  auto deadline = clock_type::now() + bound;
  auto sleeping = false;
  while (!sleeping && clock_type::now() < deadline) {
    sleeping = admin
                   ->execute("SELECT count(*) FROM pg_stat_activity WHERE "
                             "query = 'SELECT pg_sleep(20)' AND state = "
                             "'active'")
                   .rows.at(0)
                   .at(0)
                   .as_integer() > 0;
    if (!sleeping)
      std::this_thread::sleep_for(10ms);
  }
  CAF_REQUIRE(sleeping);
  a.process().signal(SIGKILL);
  auto t0 = clock_type::now();
  caf::error failed;
  in_flight.receive([](result_set&) {},
                    [&](caf::error& err) { failed = std::move(err); });
  auto took = seconds_since(t0);
  CAF_MESSAGE("the request in flight failed after "
              << took << " s: " << sys.render(failed));
  CAF_CHECK(is(failed, errc::unreachable));
  CAF_CHECK_LESS(took, 5);
  // The next request goes through B, without the caller doing anything.
  auto t1 = clock_type::now();
  auto after = cluster_members_of(self, *db, bound);
  CAF_MESSAGE("the next request was answered after " << seconds_since(t1)
                                                     << " s");
  CAF_REQUIRE(after);
  auto through_b = std::find_if(after->members.begin(), after->members.end(),
                                [&](auto& m) { return m.id == after->self; });
  CAF_REQUIRE(through_b != after->members.end());
  CAF_CHECK_EQUAL(through_b->address, address(b));
  auto rows = sql(self, *db, "SELECT 1", {}, bound);
  CAF_CHECK(rows);
  // A group handle of the dead node fails; asked again, it works on B.
  auto store = items_of(self, *db, 7, bound);
  CAF_REQUIRE(store);
  CAF_CHECK(set(self, *store, "k", std::string{"v"}, bound));
  disconnect_node(*db);
}

// A node that joined after the handle connected, at an address the caller
// never gave: the handle learns it from the views it passes on, and fails
// over to it when the only node it was given dies.
CAF_TEST(connect_cluster_learns_members_from_the_views_it_passes_on) {
  test::daemon_process a{config("a")};
  CAF_REQUIRE(wait_for_view(a, all_alive({address(a)})));
  auto db = connect_cluster(sys, {{a.host(), a.port()}}, 10s);
  CAF_REQUIRE(db);
  test::daemon_process b{config("b")};
  CAF_REQUIRE(poll_until([&] {
    auto view = cluster_members_of(self, *db, bound);
    return view && alive_in(*view, address(b));
  }));
  a.process().signal(SIGKILL);
  CAF_REQUIRE(a.process().wait(bound));
  CAF_CHECK_EQUAL(through_after_failover(*db), address(b));
  disconnect_node(*db);
}

// The same while the caller asks nothing: the handle asks its node for the
// members now and then by itself. The test waits for two of those asks
// after B is alive (A's metrics count them), so the second one's view lists
// B whatever the first one read.
CAF_TEST(connect_cluster_learns_members_that_join_while_it_is_idle) {
  test::daemon_process a{
      config("a", 2, {}, "enabled=true\nlease=2\n[metrics]\nport=0\n")};
  auto metrics_port = test::metrics_port_of(a.process(), bound);
  CAF_REQUIRE_NOT_EQUAL(metrics_port, 0);
  CAF_REQUIRE(wait_for_view(a, all_alive({address(a)})));
  auto db = connect_cluster(sys, {{a.host(), a.port()}}, 10s);
  CAF_REQUIRE(db);
  test::daemon_process b{config("b")};
  CAF_REQUIRE(wait_for_view(a, all_alive({address(a), address(b)})));
  const std::string views = "sasync_requests_total{kind=\"cluster\","
                            "result=\"ok\"}";
  auto before = test::sample(test::scrape_metrics(metrics_port), views);
  CAF_REQUIRE_GREATER_OR_EQUAL(before, 1);
  CAF_REQUIRE(poll_until([&] {
    return test::sample(test::scrape_metrics(metrics_port), views) >=
           before + 2;
  }));
  a.process().signal(SIGKILL);
  CAF_REQUIRE(a.process().wait(bound));
  CAF_CHECK_EQUAL(through_after_failover(*db), address(b));
  disconnect_node(*db);
}

// disconnect_node on a cluster handle returns once it and every stand-in
// of it have ended, as on a node's (remote.node): an actor system ended
// right after finds none of them left.
CAF_TEST(disconnect_node_returns_once_the_cluster_handle_has_ended) {
  test::daemon_process a{config("a")};
  CAF_REQUIRE(wait_for_view(a, all_alive({address(a)})));
  for (int round = 0; round < 10; ++round) {
    auto db = connect_cluster(sys, {{a.host(), a.port()}}, 10s);
    CAF_REQUIRE(db);
    auto store = items_of(self, *db, 3, bound);
    auto words = dict_of(self, *db, 3, bound);
    auto cells = array_of(self, *db, 3, bound);
    CAF_REQUIRE(store && words && cells);
    CAF_REQUIRE(set(self, *store, "k", std::int64_t{round}, bound));
    CAF_REQUIRE(sql(self, *db, "SELECT 1", {}, bound));
    disconnect_node(*db);
    CAF_CHECK(test::has_ended(*db));
    CAF_CHECK(test::has_ended(*store));
    CAF_CHECK(test::has_ended(*words));
    CAF_CHECK(test::has_ended(*cells));
  }
  // A normal exit from no one (no handle of the caller sends one) ends the
  // handle at once, as before: its node's stand-in ignores a normal exit,
  // so the handle does not wait for it.
  auto db = connect_cluster(sys, {{a.host(), a.port()}}, 10s);
  CAF_REQUIRE(db);
  CAF_REQUIRE(sql(self, *db, "SELECT 1", {}, bound));
  self->monitor(*db);
  caf::actor_cast<caf::actor>(*db)->enqueue(
      nullptr, caf::make_message_id(),
      caf::make_message(caf::exit_msg{{}, caf::exit_reason::normal}), nullptr);
  auto ended = false;
  self->receive([&](caf::down_msg&) { ended = true; },
                caf::after(bound) >> [] {});
  CAF_CHECK(ended);
}

// A program that lets go of its node or cluster handle (and the group
// handles it got through it) without disconnect_node, then ends its actor
// system: the system stops. A group handle let go before leaves the handle
// it came from serving. CAF waits for every actor, so an actor a handle
// left running, or a cycle of references between its actors, would hold
// the program for ever. The same with a node outside cluster mode, which
// refuses the cluster handle's asks for the members.
CAF_TEST(handles_let_go_without_disconnect_let_their_system_stop) {
  test::daemon_process a{config("a")};
  CAF_REQUIRE(wait_for_view(a, all_alive({address(a)})));
  test::sqlite_file file{"let_go"};
  test::daemon_process plain{config("plain", 2, file.url(), "enabled=false\n")};
  for (auto* d : {&a, &plain})
    for (auto cluster : {false, true})
      for (auto group : {false, true}) {
        CAF_MESSAGE((d == &a ? "clustered node, " : "plain node, ")
                    << (cluster ? "connect_cluster" : "connect_node")
                    << (group ? " and an items handle" : ""));
        auto stopped = std::make_shared<std::promise<std::string>>();
        auto done = stopped->get_future();
        std::thread{[=, host = d->host(), port = d->port()] {
          std::string outcome = "stopped";
          {
            test::cluster_client_config cfg;
            caf::actor_system sys{cfg};
            caf::scoped_actor me{sys};
            auto db = cluster ? connect_cluster(sys, {{host, port}}, 10s)
                              : connect_node(sys, host, port, 10s);
            if (!db)
              outcome = "no connection";
            else if (group) {
              auto write = [&] {
                auto store = items_of(me, *db, 1, bound);
                return store && static_cast<bool>(set(me, *store, "k",
                                                      std::string{"v"}, bound));
              };
              // Twice: the first items handle is let go in between, and the
              // handle it came from serves on.
              if (!write() || !write())
                outcome = "no write through the handle";
            }
          }
          stopped->set_value(outcome);
        }}.detach();
        CAF_REQUIRE(done.wait_for(bound) == std::future_status::ready);
        CAF_CHECK_EQUAL(done.get(), "stopped");
      }
}

CAF_TEST(the_cli_with_nodes_skips_a_node_that_is_down) {
  test::daemon_process a{config("a")};
  CAF_REQUIRE(wait_for_view(a, all_alive({address(a)})));
  // Port 1 on loopback: nothing listens there.
  auto res = cli({"--nodes", "127.0.0.1:1," + address(a), "cluster"});
  CAF_MESSAGE("sasync --nodes 127.0.0.1:1,... cluster: " << res.output
                                                         << res.errors);
  CAF_CHECK_EQUAL(res.code, 0);
  CAF_CHECK(res.output.find(address(a) + "\talive\t") != std::string::npos);
  auto none = cli({"--nodes", "127.0.0.1:1", "cluster"});
  CAF_MESSAGE("no node reachable: " << none.errors);
  CAF_CHECK_EQUAL(none.code, 2);
  CAF_CHECK_EQUAL(lines_of(none.errors), 1);
  for (auto bad : {"127.0.0.1", "127.0.0.1:0", "a:1,,b:2", ":4242",
                   "127.0.0.1:70000", "127.0.0.1:x"}) {
    auto r = cli({"--nodes", bad, "cluster"});
    CAF_MESSAGE("--nodes " << bad << ": " << r.errors);
    CAF_CHECK_EQUAL(r.code, 1);
    CAF_CHECK_EQUAL(lines_of(r.errors), 1);
  }
}

CAF_TEST(a_node_outside_cluster_mode_answers_not_clustered) {
  test::sqlite_file file{"plain"};
  test::daemon_process plain{config("plain", 2, file.url(), "enabled=false\n")};
  auto view = view_from(plain);
  CAF_REQUIRE(!view);
  CAF_CHECK(is(view.error(), errc::not_clustered));
  auto res = cli({"--host", plain.host(), "--port",
                  std::to_string(plain.port()), "cluster"});
  CAF_MESSAGE("sasync cluster on a plain node: " << res.errors);
  CAF_CHECK_EQUAL(res.code, 1);
  CAF_CHECK_EQUAL(lines_of(res.errors), 1);
}

CAF_TEST(bad_cluster_configs_exit_1_with_one_line) {
  test::sqlite_file file{"bad"};
  auto sqlite = daemon_to_end(config("sqlite", 2, file.url()));
  CAF_MESSAGE("cluster on SQLite: " << sqlite.errors);
  CAF_CHECK_EQUAL(sqlite.code, 1);
  CAF_CHECK_EQUAL(lines_of(sqlite.errors), 1);
  CAF_CHECK(sqlite.errors.find("PostgreSQL") != std::string::npos);
  for (auto lease : {"0", "-1", "0.1", "100000", "\"soon\""}) {
    auto r = daemon_to_end(config(
        "lease", 2, {}, std::string{"enabled=true\nlease="} + lease + "\n"));
    CAF_MESSAGE("lease=" << lease << ": " << r.errors);
    CAF_CHECK_EQUAL(r.code, 1);
    CAF_CHECK_EQUAL(lines_of(r.errors), 1);
    CAF_CHECK(r.errors.find("cluster.lease") != std::string::npos);
  }
  auto advertise = daemon_to_end(
      config("advertise", 2, {}, "enabled=true\nadvertise=\"nowhere\"\n"));
  CAF_MESSAGE("advertise=nowhere: " << advertise.errors);
  CAF_CHECK_EQUAL(advertise.code, 1);
  CAF_CHECK_EQUAL(lines_of(advertise.errors), 1);
  CAF_CHECK(advertise.errors.find("cluster.advertise") != std::string::npos);
}

CAF_TEST(a_takeover_is_logged_and_counted_in_the_metrics) {
  test::daemon_process a{config("a")};
  test::daemon_process b{
      config("b", 2, {}, "enabled=true\nlease=2\n[metrics]\nport=0\n")};
  auto metrics_port = test::metrics_port_of(b.process(), bound);
  CAF_REQUIRE_NOT_EQUAL(metrics_port, 0);
  CAF_REQUIRE(wait_for_view(a, all_alive({address(a), address(b)})));
  auto a_id = member_at(*view_from(a), address(a));
  CAF_REQUIRE_NOT_EQUAL(a_id, 0);
  // Groups through A until one is A's (the owner follows each group's
  // rendezvous score: about half of them).
  auto db = connect_node(sys, a.host(), a.port(), 10s);
  CAF_REQUIRE(db);
  std::int64_t group = 0;
  for (std::int64_t g = 1; g <= 64 && group == 0; ++g) {
    auto store = items_of(self, *db, g, bound);
    CAF_REQUIRE(store);
    CAF_REQUIRE(set(self, *store, "k", std::string{"v"}, bound));
    auto owner = admin->execute("SELECT member FROM sasync_owners WHERE "
                                "kind = 1 AND grp = ?",
                                {value{g}});
    if (!owner.rows.empty() && owner.rows[0].at(0).as_integer() == a_id)
      group = g;
  }
  disconnect_node(*db);
  CAF_REQUIRE_NOT_EQUAL(group, 0);
  auto gone = address(a);
  a.process().signal(SIGKILL);
  CAF_REQUIRE(a.process().wait(bound));
  CAF_REQUIRE(wait_for_view(
      b, [&](const cluster_view& v) { return !alive_in(v, gone); }));
  // A write on A's group through B: B takes it over.
  auto through_b = connect_node(sys, b.host(), b.port(), 10s);
  CAF_REQUIRE(through_b);
  auto store = items_of(self, *through_b, group, bound);
  CAF_REQUIRE(store);
  CAF_CHECK(set(self, *store, "k", std::string{"w"}, bound));
  disconnect_node(*through_b);
  // The gauges follow the member's next report (a third of the lease).
  std::string text;
  for (auto deadline = clock_type::now() + bound; clock_type::now() < deadline;
       std::this_thread::sleep_for(100ms)) {
    text = test::scrape_metrics(metrics_port);
    if (test::sample(text, "sasync_cluster_groups_owned") >= 1)
      break;
  }
  CAF_MESSAGE("cluster lines of the scrape:\n"
              << [&] {
                   std::istringstream in{text};
                   std::string out;
                   for (std::string l; std::getline(in, l);)
                     if (l.rfind("sasync_cluster", 0) == 0)
                       out += l + "\n";
                   return out;
                 }());
  CAF_CHECK_GREATER_OR_EQUAL(
      test::sample(text, "sasync_cluster_takeovers_total"), 1);
  CAF_CHECK_GREATER_OR_EQUAL(test::sample(text, "sasync_cluster_groups_owned"),
                             1);
  CAF_CHECK_GREATER_OR_EQUAL(
      test::sample(text, "sasync_cluster_members{state=\"alive\"}"), 1);
  // One line on B's log for the takeover, naming the group and the epoch.
  auto wanted = "cluster: group items/" + std::to_string(group) +
                " taken over by member ";
  auto deadline = clock_type::now() + bound;
  std::string log;
  while (log.find(wanted) == std::string::npos &&
         clock_type::now() < deadline) {
    b.process().read_line(100ms); // lets its stderr be read
    log = b.process().errors();
  }
  CAF_CHECK(log.find(wanted) != std::string::npos);
  CAF_CHECK(log.find("from member " + std::to_string(a_id) +
                     ", counted dead (epoch ") != std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
