// The client helpers through a real sasyncd process: connecting and
// requests are bounded by default, even against a node stopped with
// SIGSTOP, a request without an answer fails with timeout naming it, a
// handle whose connection ended answers unreachable, and a node asked to
// stop twice (SIGTERM) while it drains answers the work in flight and
// exits 0.
#define CAF_SUITE remote.client

#include "sasync/actors/client.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/net/remote.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/storage/connection.hpp"
#include "sasync/storage/engine_config.hpp"

#include "cli_fixture.hpp"
#include "daemon_process.hpp"
#include "program_paths.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace sasync;
using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

struct client_config : system_config {
  client_config() { load<caf::io::middleman>(); }
};

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

/// A node stopped with SIGSTOP while it lives; continued when it ends, so
/// a failed check never leaves a frozen process behind.
/// True once every thread of `pid` is stopped: SIGSTOP reaches each thread
/// a moment after it is sent, and until then the node still answers.
bool all_threads_stopped(pid_t pid) {
  auto tasks = std::filesystem::path{"/proc"} / std::to_string(pid) / "task";
  std::error_code ec;
  for (auto& task : std::filesystem::directory_iterator{tasks, ec}) {
    std::ifstream stat{task.path() / "stat"};
    std::string line;
    std::getline(stat, line);
    auto end = line.rfind(')'); // the state follows the command's name
    if (end == std::string::npos || end + 2 >= line.size() ||
        line[end + 2] != 'T')
      return false;
  }
  return !ec;
}

class frozen {
public:
  explicit frozen(child_process& proc) : proc_(proc) {
    proc_.signal(SIGSTOP);
    auto deadline = clock_type::now() + std::chrono::seconds{10};
    while (!all_threads_stopped(proc_.pid()) && clock_type::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds{1});
    CAF_REQUIRE(all_threads_stopped(proc_.pid()));
  }
  frozen(const frozen&) = delete;
  frozen& operator=(const frozen&) = delete;
  ~frozen() { proc_.signal(SIGCONT); }

private:
  child_process& proc_;
};

/// Voluntary context switches of this process's threads named `name`
/// (CAF names its clock thread caf.clock): how often they slept and were
/// woken.
std::uint64_t sleeps_of_threads_named(const std::string& name) {
  std::uint64_t total = 0;
  for (auto& task : std::filesystem::directory_iterator{"/proc/self/task"}) {
    std::ifstream comm{task.path() / "comm"};
    std::string got;
    std::getline(comm, got);
    if (got != name)
      continue;
    std::ifstream status{task.path() / "status"};
    for (std::string line; std::getline(status, line);)
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0)
        total += std::stoull(line.substr(line.find(':') + 1));
  }
  return total;
}

/// A client of a node with one items group whose "x" holds "y";
/// disconnected at the end, so that its actor system can stop.
struct node_client {
  client_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  node db;
  items store;

  node_client(test::daemon_process& daemon, std::int64_t group) {
    auto connected = connect_node(sys, daemon.host(), daemon.port());
    CAF_REQUIRE(connected);
    db = *connected;
    auto got = items_of(self, db, group);
    CAF_REQUIRE(got);
    store = *got;
    CAF_REQUIRE(set(self, store, "x", std::string{"y"}));
  }
  ~node_client() { disconnect_node(db); }
};

struct fixture {
  test::cli_fixture files{"client-remote"};
  test::daemon_process daemon{files.config()};
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(client_remote, fixture)

CAF_TEST(connecting_to_a_stopped_node_fails_within_its_timeout) {
  {
    frozen stopped{daemon.process()};
    client_config cfg;
    caf::actor_system sys{cfg};
    auto start = clock_type::now();
    auto db = connect_node(sys, daemon.host(), daemon.port(), 2s);
    auto took = seconds_since(start);
    CAF_MESSAGE("connect_node to a stopped node failed after " << took << " s");
    CAF_REQUIRE(!db);
    if (!(is(db.error(), errc::unreachable)))
      CAF_MESSAGE(sys.render(db.error()));
    CAF_CHECK(is(db.error(), errc::unreachable));
    CAF_CHECK(took >= 1.9);
    CAF_CHECK(took < 20);
    if (took < 1.9)
      CAF_MESSAGE("the node's stderr: " << daemon.process().errors());

    // The CLI: exit 2 and one line, within its --timeout.
    start = clock_type::now();
    auto run = run_to_end({test::sasync_cli_path(), "--port",
                           std::to_string(daemon.port()), "--timeout", "2",
                           "items", "get", "1", "x"},
                          test::cli_bound);
    took = seconds_since(start);
    CAF_MESSAGE("the CLI against a stopped node exited "
                << run.code << " after " << took << " s: " << run.errors);
    CAF_CHECK_EQUAL(run.code, 2);
    CAF_CHECK(took < 20);
    CAF_CHECK(run.errors.find("cannot reach node") != std::string::npos);
    CAF_CHECK_EQUAL(std::count(run.errors.begin(), run.errors.end(), '\n'), 1);
  }
  // Continued, the node answers again.
  auto run = test::cli_fixture::remote(daemon.port(), {"status"});
  CAF_CHECK_EQUAL(run.code, 0);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(requests_through_a_node_have_a_finite_default_timeout) {
  client_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto db = connect_node(sys, daemon.host(), daemon.port());
  CAF_REQUIRE(db);
  auto store = items_of(self, *db, 17'018);
  CAF_REQUIRE(store);
  CAF_CHECK(detail::is_remote(caf::actor_cast<caf::strong_actor_ptr>(*db)));
  CAF_CHECK(detail::is_remote(caf::actor_cast<caf::strong_actor_ptr>(*store)));
  CAF_CHECK(!detail::is_remote(caf::actor_cast<caf::strong_actor_ptr>(self)));
  CAF_REQUIRE(set(self, *store, "x", std::string{"y"}));
  {
    frozen stopped{daemon.process()};
    // No timeout given: remote_request_timeout, not forever.
    auto start = clock_type::now();
    auto got = get<std::string>(self, *store, "x");
    auto took = seconds_since(start);
    CAF_MESSAGE("a request to a stopped node gave up after " << took << " s");
    CAF_REQUIRE(!got);
    // errc::timeout naming the request and its bound, not CAF's
    // request_timeout.
    CAF_MESSAGE(sys.render(got.error()));
    CAF_CHECK(is(got.error(), errc::timeout));
    CAF_CHECK(is_unanswered(got.error()));
    CAF_CHECK_EQUAL(sys.render(got.error()),
                    "sasync::timeout: no answer to items get within " +
                        std::to_string(remote_request_timeout.count()) + " s");
    CAF_CHECK(took >= remote_request_timeout.count() - 0.5);
    CAF_CHECK(took < remote_request_timeout.count() + 20);
  }
  auto back = get<std::string>(self, *store, "x", 10s);
  CAF_CHECK(back && *back && **back == "y");
  // A handle whose connection has ended answers unreachable.
  disconnect_node(*db);
  auto after = status(self, *db, 10s);
  CAF_REQUIRE(!after);
  if (!(is(after.error(), errc::unreachable)))
    CAF_MESSAGE(sys.render(after.error()));
  CAF_CHECK(is(after.error(), errc::unreachable));
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

// An actor's requests through a node keep their own bounds: the stand-in
// holds them (one timer for the soonest), so a shorter bound that came
// later is answered first, each with errc::timeout naming it.
CAF_TEST(each_request_through_a_stopped_node_fails_at_its_own_bound) {
  node_client client{daemon, 17'019};
  auto& self = client.self;
  frozen stopped{daemon.process()};
  auto start = clock_type::now();
  auto reply = caf::actor{self};
  auto target = client.store;
  // The handles go as spawn's arguments, not in the lambda: CAF 0.17
  // dereferences a null tuple of arguments for a function spawned without
  // any (UndefinedBehaviorSanitizer: reference binding to null pointer).
  auto ask_both = [](caf::event_based_actor* asker, caf::actor reply,
                     items target) {
    for (auto bound : {3s, 1s})
      get<std::string>(
          asker, target, "x",
          [asker, reply, bound](std::optional<std::string>) {
            asker->send(reply, static_cast<std::int64_t>(bound.count()),
                        caf::error{});
          },
          [asker, reply, bound](caf::error& err) {
            asker->send(reply, static_cast<std::int64_t>(bound.count()), err);
          },
          bound);
  };
  client.sys.spawn(ask_both, reply, target);
  std::vector<std::int64_t> order;
  for (int i = 0; i < 2; ++i)
    self->receive(
        [&](std::int64_t bound, caf::error& err) {
          auto took = seconds_since(start);
          CAF_MESSAGE("the get bounded by " << bound << " s failed after "
                                            << took << " s: "
                                            << client.sys.render(err));
          order.push_back(bound);
          CAF_CHECK(is(err, errc::timeout));
          CAF_CHECK(is_unanswered(err));
          CAF_CHECK(took >= static_cast<double>(bound) - 0.05);
          CAF_CHECK(took < static_cast<double>(bound) + 10);
        },
        caf::after(30s) >> [&] { CAF_FAIL("a bounded get was never answered"); });
  CAF_CHECK_EQUAL(order, (std::vector<std::int64_t>{1, 3}));
}

// A bounded request through a node needs no timer of CAF's clock thread:
// the stand-in keeps the bounds, so the thread is not woken (twice) for
// every request, which cost a client a quarter of a core at 30k requests
// a second.
CAF_TEST(requests_through_a_node_do_not_wake_the_clock_thread_each) {
  node_client client{daemon, 17'020};
  auto& self = client.self;
  static constexpr int requests = 1'000;
  auto before = sleeps_of_threads_named("caf.clock");
  auto reply = caf::actor{self};
  auto target = client.store;
  // Each answer sends the next get (a message to itself, no timer).
  auto ask_in_turn = [](caf::event_based_actor* asker, caf::actor reply,
                        items target) -> caf::behavior {
    asker->send(asker, requests);
    return {[=](int left) {
      if (left == 0) {
        asker->send(reply, caf::error{});
        return asker->quit();
      }
      get<std::string>(
          asker, target, "x",
          [=](std::optional<std::string> x) {
            if (x && *x == "y")
              return asker->send(asker, left - 1);
            asker->send(reply, caf::make_error(caf::sec::runtime_error,
                                               "a get missed"));
            asker->quit();
          },
          [=](caf::error& err) {
            asker->send(reply, err);
            asker->quit();
          });
    }};
  };
  client.sys.spawn(ask_in_turn, reply, target);
  self->receive(
      [&](caf::error& err) {
        if (err)
          CAF_FAIL("a get failed: " << client.sys.render(err));
      },
      caf::after(60s) >> [&] { CAF_FAIL("the gets did not end"); });
  auto woken = sleeps_of_threads_named("caf.clock") - before;
  CAF_MESSAGE("the clock thread slept " << woken << " times in " << requests
                                        << " requests");
  CAF_CHECK_LESS(woken, static_cast<std::uint64_t>(requests / 10));
}

CAF_TEST(named_parameters_travel_to_a_node_in_sql_execute_and_query) {
  client_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto db = connect_node(sys, daemon.host(), daemon.port(), 10s);
  CAF_REQUIRE(db);
  CAF_REQUIRE(detail::is_remote(caf::actor_cast<caf::strong_actor_ptr>(*db)));
  const named_values params{{"n", value{41}}, {"t", value{"it's"}}};
  auto rs = sql_named(self, *db, "SELECT :n + 1 AS s, :t AS t, ':no' AS lit",
                      params, 10s);
  if (!rs)
    CAF_FAIL(sys.render(rs.error()));
  CAF_REQUIRE_EQUAL(rs->rows.size(), 1u);
  CAF_CHECK(rs->rows[0] == (row{42, "it's", ":no"}));
  CAF_REQUIRE(prepare(self, *db, "named_remote", "SELECT :t || :t AS tt", 10s));
  auto ex = execute_named(self, *db, "named_remote", {{"t", value{"ab"}}}, 10s);
  CAF_REQUIRE(ex);
  CAF_CHECK(ex->rows.at(0) == (row{"abab"}));
  auto info = query_named(self, *db, "SELECT :n AS n", {{"n", value{5}}}, 10s);
  CAF_REQUIRE(info);
  std::vector<row> rows;
  CAF_REQUIRE(for_each_row(
      self, info->rows, [&](const row& r) { rows.push_back(r); }, 10, 10s));
  CAF_CHECK(rows == (std::vector<row>{row{5}}));
  // The node's answer to a map the statement does not fit.
  auto bad = sql_named(self, *db, "SELECT :n AS n", {}, 10s);
  CAF_REQUIRE(!bad);
  CAF_CHECK(is(bad.error(), errc::invalid_argument));
  CAF_CHECK_NOT_EQUAL(sys.render(bad.error()).find(":n"), std::string::npos);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(sigterm_twice_stops_a_node_once_with_exit_0) {
  daemon.process().signal(SIGTERM);
  daemon.process().signal(SIGTERM);
  auto code = daemon.process().wait(std::chrono::seconds(30));
  CAF_REQUIRE(code);
  if (*code != 0)
    CAF_MESSAGE(daemon.process().errors());
  CAF_CHECK_EQUAL(*code, 0);
}

CAF_TEST(sigterm_twice_while_draining_answers_the_write_in_flight_and_exits_0) {
  client_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto db = connect_node(sys, daemon.host(), daemon.port());
  CAF_REQUIRE(db);
  auto store = items_of(self, *db, 17'019, 10s);
  CAF_REQUIRE(store);
  CAF_REQUIRE(set(self, *store, "k", std::string{"before"}, 10s));
  // Another writer holds SQLite's write lock: the node's next write runs
  // and waits for it (up to pool_timeout, 30 s).
  auto holder = open_connection(engine_config::parse(files.where.url()),
                                access_mode::write);
  holder->begin(access_mode::write);
  holder->execute("DELETE FROM sasync_items WHERE 0", {});
  caf::actor report_to{self};
  sys.spawn(
      [=](caf::event_based_actor* client, const items& to) {
        set(
            client, to, "k", std::string{"in flight"},
            [=] { client->send(report_to, std::string{"committed"}); },
            [=](caf::error& err) {
              client->send(report_to, client->system().render(err));
            },
            60s);
      },
      *store);
  auto until = [&](const std::function<bool(const broker_status&)>& seen) {
    auto deadline = clock_type::now() + 30s;
    while (clock_type::now() < deadline) {
      auto st = status(self, *db, 10s);
      if (st && seen(*st))
        return true;
    }
    return false;
  };
  CAF_REQUIRE(until([](const broker_status& st) { return st.queue.running == 1; }));
  daemon.process().signal(SIGTERM);
  CAF_REQUIRE(until([](const broker_status& st) { return st.state == "draining"; }));
  daemon.process().signal(SIGTERM);
  // New work meanwhile: shutting_down, through the node as in process.
  auto meanwhile = sql(self, *db, "SELECT 1", {}, 10s);
  CAF_REQUIRE(!meanwhile);
  CAF_MESSAGE(sys.render(meanwhile.error()));
  CAF_CHECK(is(meanwhile.error(), errc::shutting_down));
  auto t0 = clock_type::now();
  holder->rollback();
  // The write in flight commits and is answered; then the node exits 0.
  std::string answer = "(no answer)";
  self->receive([&](std::string& x) { answer = std::move(x); },
                caf::after(std::chrono::seconds(30)) >> [] {});
  CAF_CHECK_EQUAL(answer, "committed");
  auto code = daemon.process().wait(std::chrono::seconds(30));
  CAF_MESSAGE("the lock released, the node exited after "
              << seconds_since(t0) << " s");
  CAF_REQUIRE(code);
  if (*code != 0)
    CAF_MESSAGE(daemon.process().errors());
  CAF_CHECK_EQUAL(*code, 0);
  // Gone: unreachable, and what it committed is there.
  auto after = status(self, *db, 10s);
  CAF_REQUIRE(!after);
  CAF_CHECK(is(after.error(), errc::unreachable));
  disconnect_node(*db);
  auto got = files.embedded({"items", "get", "17019", "k"});
  CAF_CHECK_EQUAL(got.code, 0);
  CAF_CHECK_EQUAL(got.output, "in flight\n");
}

CAF_TEST(dict_mapping_operations_work_through_a_node) {
  client_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto db = connect_node(sys, daemon.host(), daemon.port());
  CAF_REQUIRE(db);
  auto words = dict_of(self, *db, 17'019, 10s);
  CAF_REQUIRE(words);
  std::map<std::string, std::string> values{{"a", "ay"}, {"b", "bee"}};
  CAF_REQUIRE(update(self, *words, values, 10s));
  CAF_CHECK(contains(self, *words, "a", 10s) == true);
  CAF_CHECK(contains(self, *words, "zz", 10s) == false);
  CAF_CHECK(size(self, *words, 10s) == std::uint64_t{2});
  CAF_CHECK(pop<std::string>(self, *words, "a", 10s) == std::string{"ay"});
  auto gone = pop<std::string>(self, *words, "a", 10s);
  CAF_REQUIRE(!gone);
  CAF_CHECK(is(gone.error(), errc::missing));
  CAF_CHECK(pop(self, *words, "a", std::string{"none"}, 10s) ==
            std::string{"none"});
  CAF_CHECK(setdefault(self, *words, "c", std::string{"sea"}, 10s) ==
            std::string{"sea"});
  CAF_CHECK(get(self, *words, "zz", std::string{"fallback"}, 10s) ==
            std::string{"fallback"});
  CAF_REQUIRE(preload(self, *words, 10s));
  auto st = cache_status(self, *words, 10s);
  CAF_REQUIRE(st);
  CAF_CHECK(st->preloaded);
  CAF_CHECK(clear(self, *words, 10s) == std::uint64_t{2}); // b and c
  CAF_REQUIRE(flush(self, *words, 10s));
  CAF_CHECK(size(self, *words, 10s) == std::uint64_t{0});
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
