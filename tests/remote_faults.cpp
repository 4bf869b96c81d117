// sasyncd on PostgreSQL through real server faults, with clients on another
// node: the server restarted under 64 writers. Runs alone (it restarts the
// local cluster); every wait is bounded.
#define CAF_SUITE remote.postgresql_faults

#include "sasync/actors/client.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/net/remote.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/storage/connection.hpp"
#include "sasync/storage/item_store.hpp"

#include "backends.hpp"
#include "daemon_process.hpp"
#include "program_paths.hpp"
#include "runaway_clients.hpp"
#include "sequential_writer.hpp"
#include "watched.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace sasync;

namespace {

constexpr auto bound = std::chrono::seconds(60);
const caf::duration limit{bound};
/// The daemon's pool_timeout: no request may wait longer for an answer.
constexpr auto pool_timeout = std::chrono::seconds(5);

struct client_config : system_config {
  client_config() { load<caf::io::middleman>(); }
};

using clock_type = std::chrono::steady_clock;

/// What the writers saw.
struct write_log {
  std::set<std::string> acks;
  std::map<std::string, int> errors; ///< by rendered errc
  clock_type::duration slowest_error{0};
  int stopped = 0;
  bool stop = false; ///< set by the test: the writers end
};

using shared_log = std::shared_ptr<test::watched<write_log>>;

struct fixture {
  test::postgresql_tables tables{"sasync_items, sasync_array"};
  test::scratch_dir scratch{"remote-pg"};
  std::filesystem::path dir = scratch.path();
  client_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  ~fixture() {
    test::postgresql_cluster(
        "start"); // whatever happened, leave the server running
  }

  std::filesystem::path config() {
    auto path = dir / "sasyncd.ini";
    std::ofstream out{path};
    out << "[sasync]\nurl=\"" << test::postgresql_url() << "\"\n"
        << "pool-timeout=" << pool_timeout.count() << "\n[node]\nport=0\n";
    return path;
  }

  /// The names of items group 1, read straight from the server.
  std::set<std::string> stored_names() {
    auto conn = open_connection(engine_config::parse(test::postgresql_url()),
                                access_mode::write);
    conn->begin(access_mode::read);
    auto names = item_names(*conn, 1);
    conn->rollback();
    return {names.begin(), names.end()};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(remote_postgresql_fault_tests, fixture)

CAF_TEST(a_server_restart_under_64_writers_loses_nothing_acknowledged) {
  test::daemon_process daemon{config()};
  auto db = connect_node(sys, "127.0.0.1", daemon.port());
  CAF_REQUIRE(db);
  auto store = items_of(self, *db, 1, limit);
  CAF_REQUIRE(store);
  auto log = std::make_shared<test::watched<write_log>>();
  constexpr int writers = 64;
  // Each writer goes on through errors until the test says stop.
  auto answered = [log, this](const std::string& name, const caf::error& err,
                              clock_type::duration waited) {
    auto kind = err ? sys.render(err) : std::string{};
    bool stop = false;
    log->update([&](write_log& l) {
      if (!err) {
        l.acks.insert(name);
      } else {
        ++l.errors[kind.substr(0, kind.find(": "))];
        l.slowest_error = std::max(l.slowest_error, waited);
      }
      stop = l.stop;
      l.stopped += stop ? 1 : 0;
    });
    return !stop;
  };
  for (int w = 0; w < writers; ++w)
    sys.spawn(test::sequential_writer, *store, "w" + std::to_string(w) + "-",
              test::answer_fn{answered});
  CAF_REQUIRE(log->await([](auto& l) { return l.acks.size() >= 1000; }, bound));
  auto t0 = clock_type::now();
  CAF_REQUIRE_EQUAL(test::postgresql_cluster("restart"), 0);
  CAF_MESSAGE("restart took "
              << std::chrono::duration<double>(clock_type::now() - t0).count()
              << " s");
  auto at_restart = log->read([](write_log& l) { return l.acks.size(); });
  // The same daemon serves again without a restart of its own.
  CAF_CHECK(log->await(
      [&](auto& l) { return l.acks.size() >= at_restart + 1000; }, bound));
  log->update([](write_log& l) { l.stop = true; });
  CAF_REQUIRE(log->await([](auto& l) { return l.stopped == writers; }, bound));
  auto seen = log->read([](write_log& l) { return l; });
  std::string errors;
  for (auto& [kind, n] : seen.errors)
    errors += " " + kind + " x" + std::to_string(n);
  CAF_MESSAGE(seen.acks.size()
              << " writes acknowledged; errors:"
              << (errors.empty() ? " none" : errors)
              << "; slowest error answer after "
              << std::chrono::duration<double>(seen.slowest_error).count()
              << " s");
  // Every unacknowledged request was answered, within pool_timeout.
  CAF_CHECK_LESS_OR_EQUAL(seen.slowest_error,
                          pool_timeout + std::chrono::seconds(2));
  auto present = stored_names();
  std::size_t lost = 0;
  for (auto& name : seen.acks)
    lost += present.count(name) == 0 ? 1 : 0;
  CAF_CHECK_EQUAL(lost, 0u);
  disconnect_node(*db);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(sigterm_on_a_frozen_server_exits_4_once_run_timeout_has_passed_twice_and_close_grace) {
  test::daemon_process daemon{config(),
                              {"--sasync.run-timeout=2", "--sasync.pool-size=1",
                               "--sasync.max-overflow=0"}};
  auto db = connect_node(sys, "127.0.0.1", daemon.port());
  CAF_REQUIRE(db);
  auto store = items_of(self, *db, 1, limit);
  CAF_REQUIRE(store);
  CAF_REQUIRE(set(self, *store, "before", std::string{"x"}, limit));
  test::frozen_postgresql frozen;
  CAF_REQUIRE(frozen.stopped());
  auto stuck = self->request(*store, limit, set_atom::value,
                             std::string{"during"}, encode(std::string{"y"}));
  // SIGTERM once the set runs (the status comes from the queue, not the
  // frozen server).
  auto running = [&] {
    auto st = detail::ask<broker_status>(self, *db, limit, status_atom::value);
    return st && st->queue.running > 0;
  };
  auto deadline = clock_type::now() + bound;
  while (!running() && clock_type::now() < deadline)
    ;
  CAF_REQUIRE(running());
  auto t0 = clock_type::now();
  auto code = daemon.stop();
  auto waited = std::chrono::duration<double>(clock_type::now() - t0).count();
  CAF_MESSAGE("exit " << code << " after " << waited
                      << " s: " << daemon.process().errors());
  // The stuck batch answers after run_timeout, its connection is given up
  // on after another; the daemon does not wait for the thaw.
  CAF_CHECK_EQUAL(code, 4);
  CAF_CHECK_LESS(waited, 10.0);
  CAF_CHECK_NOT_EQUAL(
      daemon.process().errors().find("did not close within run_timeout"),
      std::string::npos);
  caf::error answer;
  stuck.receive([] {}, [&](caf::error& e) { answer = e; });
  CAF_CHECK(answer);
  CAF_REQUIRE_EQUAL(frozen.thaw(), 0);
  disconnect_node(*db);
}

CAF_TEST(connections_refused_for_good_fail_the_cli_and_sasyncd_at_once) {
  for (auto& refused : test::refused_connections()) {
    auto shown = engine_config::parse(refused.url).display_url();
    auto t0 = clock_type::now();
    auto got = run_to_end({test::sasync_cli_path(), "--url", refused.url,
                           "items", "get", "1", "a"},
                          bound);
    auto waited = std::chrono::duration<double>(clock_type::now() - t0).count();
    CAF_MESSAGE("sasync --url " << refused.url << ": exit " << got.code
                                << " after " << waited << " s: " << got.errors);
    CAF_CHECK_EQUAL(got.code, 4);
    CAF_CHECK_LESS(waited, 5.0);
    CAF_CHECK_EQUAL(std::count(got.errors.begin(), got.errors.end(), '\n'), 1);
    CAF_CHECK_NOT_EQUAL(got.errors.find(refused.words), std::string::npos);
    CAF_CHECK_NOT_EQUAL(got.errors.find(shown), std::string::npos);
    auto path = dir / "refused.ini";
    {
      std::ofstream out{path};
      out << "[sasync]\nurl=\"" << refused.url << "\"\n[node]\nport=0\n";
    }
    t0 = clock_type::now();
    auto daemon = run_to_end(
        {test::sasyncd_path(), "--config-file=" + path.string()}, bound);
    waited = std::chrono::duration<double>(clock_type::now() - t0).count();
    CAF_MESSAGE("sasyncd: exit " << daemon.code << " after " << waited
                                 << " s: " << daemon.errors);
    CAF_CHECK_EQUAL(daemon.code, 4);
    CAF_CHECK_LESS(waited, 5.0);
    CAF_CHECK_EQUAL(
        std::count(daemon.errors.begin(), daemon.errors.end(), '\n'), 1);
    CAF_CHECK_NOT_EQUAL(daemon.errors.find(refused.words), std::string::npos);
  }
}

CAF_TEST(runaway_queries_on_a_node_are_interrupted_and_sigterm_exits_in_time) {
  // Long enough for four client processes to start and all be lent a
  // connection before the first is interrupted, sanitized or not. The get
  // waits for a connection up to pool_timeout, so that is longer still.
  constexpr double run_timeout = 6;
  test::daemon_process daemon{
      config(),
      {"--sasync.run-timeout=6", "--sasync.pool-size=4",
       "--sasync.max-overflow=0", "--sasync.pool-timeout=15"}};
  auto seen =
      test::run_runaways(daemon, "SELECT pg_sleep(60)", run_timeout, bound);
  CAF_CHECK_EQUAL(seen.get_code, 3);
  CAF_CHECK_LESS(seen.runaways_answered, 10.0);
  CAF_CHECK_EQUAL(seen.stop_code, 0);
  CAF_CHECK_LESS(seen.stop_seconds, run_timeout + 5);
}

CAF_TEST_FIXTURE_SCOPE_END()
