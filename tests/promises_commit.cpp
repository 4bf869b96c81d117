// A COMMIT whose answer is lost: the real PostgreSQL server commits, but a
// proxy on loopback drops its answer and closes the connection. The
// README promises a database_error that is not retryable (the work may
// have committed) and that sasync does not run the work again by itself.
// Items sets go without BEGIN and COMMIT, as one statement that commits
// itself: the answer cut is then that statement's.
#define CAF_SUITE actors.promises_commit

#include "sasync/actors/broker.hpp"
#include "sasync/actors/client.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/storage/connection.hpp"
#include "sasync/storage/engine_config.hpp"

#include "backends.hpp"
#include "cli_fixture.hpp"
#include "commit_cutting_proxy.hpp"
#include "daemon_process.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <string>

using namespace sasync;

namespace {

constexpr auto bound = std::chrono::seconds(60);
const caf::duration limit{bound};

/// The test database's URL, but through a proxy on loopback at `port`.
std::string proxied_url(std::uint16_t port) {
  auto cfg = engine_config::parse(test::postgresql_url());
  return "postgresql://" + cfg.user + ":" + cfg.password + "@127.0.0.1:" +
         std::to_string(port) + "/" + cfg.database;
}

std::uint16_t server_port() {
  auto port = engine_config::parse(test::postgresql_url()).port;
  return port == 0 ? 5432 : port;
}

/// Rows of `table` whose body is `body`, counted on a connection of the
/// test's own (not through the proxy).
std::int64_t count_rows(const std::string& table, const std::string& body) {
  auto conn = open_connection(engine_config::parse(test::postgresql_url()),
                              access_mode::read);
  auto res = conn->execute("SELECT count(*) FROM " + table + " WHERE body = ?",
                           {body});
  return res.rows.at(0).at(0).as_integer();
}

struct fixture {
  test::postgresql_tables tables{"promises_commit_lost"};
  test::commit_cutting_proxy proxy{server_port()};
  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  broker start() {
    broker_config bc;
    bc.engine = engine_config::parse(proxied_url(proxy.port()));
    bc.engine->set_option("pool-size", "1");
    bc.engine->set_option("max-overflow", "0");
    bc.tables.push_back(
        table_def{"promises_commit_lost",
                  {{"id", column_type::integer, false, true, true},
                   {"body", column_type::text, false}},
                  {}});
    return spawn_broker(sys, bc);
  }

  caf::expected<result_set> insert(const broker& db, const std::string& body) {
    return sql(self, db, "INSERT INTO promises_commit_lost (body) VALUES (?)",
               {body}, limit);
  }

  /// Arms the proxy to cut the packet holding `marker`, runs `write` (whose
  /// commit's answer that is) and checks the one answer the README
  /// promises: database_error, not retryable, with one cut. Prints how
  /// long the answer took.
  template <class Write>
  void check_lost_commit(Write write, std::string marker = "COMMIT") {
    proxy.arm(std::move(marker));
    auto t0 = std::chrono::steady_clock::now();
    auto lost = write();
    auto waited =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0);
    CAF_REQUIRE(!lost);
    CAF_MESSAGE("answered after " << waited.count()
                                  << " s: " << sys.render(lost.error()));
    CAF_CHECK_EQUAL(proxy.cuts(), 1);
    CAF_CHECK(is(lost.error(), errc::database_error));
    CAF_CHECK(!is_retryable(lost.error()));
    CAF_CHECK_NOT_EQUAL(sys.render(lost.error()).find("outcome unknown"),
                        std::string::npos);
  }

  void shutdown(const broker& db) {
    if (auto done = sasync::shutdown(self, db, limit); !done)
      CAF_FAIL("shutdown: " << sys.render(done.error()));
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(promises_commit_tests, fixture)

CAF_TEST(a_commit_whose_answer_is_lost_fails_as_not_retryable_and_runs_once) {
  auto db = start();
  auto warm = insert(db, "before");
  if (!warm)
    CAF_FAIL(sys.render(warm.error()));
  check_lost_commit([&] { return insert(db, "lost"); });
  // The server did commit it, and sasync did not run it again: one row.
  auto commits_after_cut = proxy.commits();
  auto after = insert(db, "after");
  if (!after)
    CAF_FAIL("the broker does not serve after the cut: "
             << sys.render(after.error()));
  CAF_CHECK_EQUAL(count_rows("promises_commit_lost", "lost"), 1);
  CAF_CHECK_EQUAL(count_rows("promises_commit_lost", "after"), 1);
  // One COMMIT for the write after the cut, none for a second "lost".
  CAF_CHECK_EQUAL(proxy.commits(), commits_after_cut + 1);
  CAF_MESSAGE(proxy.connections() << " connections through the proxy");
  shutdown(db);
}

CAF_TEST(an_items_set_goes_in_one_round_trip_without_begin_or_commit) {
  auto db = start();
  auto store = items_of(self, db, 917019, limit);
  if (!store)
    CAF_FAIL(sys.render(store.error()));
  // The first set prepares the upsert; the second goes as it will from now.
  CAF_REQUIRE(set(self, *store, "k", std::string{"first"}, limit));
  auto begins = proxy.begins();
  auto commits = proxy.commits();
  CAF_REQUIRE(set(self, *store, "k", std::string{"second"}, limit));
  CAF_CHECK_EQUAL(proxy.begins(), begins);
  CAF_CHECK_EQUAL(proxy.commits(), commits);
  // Acknowledged after its commit: another connection reads it.
  auto conn = open_connection(engine_config::parse(test::postgresql_url()),
                              access_mode::read);
  auto rs = conn->execute("SELECT version FROM sasync_items WHERE group_id = "
                          "917019 AND name = 'k'");
  CAF_REQUIRE_EQUAL(rs.rows.size(), 1u);
  CAF_CHECK_EQUAL(rs.rows[0][0].as_integer(), 2);
  CAF_CHECK(erase(self, *store, {"k"}, limit));
  shutdown(db);
}

CAF_TEST(an_items_set_whose_commit_answer_is_lost_is_answered_not_retryable) {
  auto db = start();
  auto store = items_of(self, db, 917018, limit);
  if (!store)
    CAF_FAIL(sys.render(store.error()));
  auto before = set(self, *store, "lost-answer", std::string{"before"}, limit);
  if (!before)
    CAF_FAIL(sys.render(before.error()));
  check_lost_commit(
      [&] {
        return set(self, *store, "lost-answer", std::string{"lost"}, limit);
      },
      "lost-answer");
  // The server committed it: the store reads it back.
  auto got = get<std::string>(self, *store, "lost-answer", limit);
  if (!got)
    CAF_FAIL(sys.render(got.error()));
  CAF_CHECK_EQUAL(*got, std::optional<std::string>{"lost"});
  CAF_CHECK(erase(self, *store, {"lost-answer"}, limit));
  shutdown(db);
}

CAF_TEST(a_node_whose_commit_answer_is_lost_makes_the_cli_exit_4) {
  test::scratch_dir dir{"promises-commit"};
  auto config = dir.path() / "sasyncd.ini";
  {
    std::ofstream out{config};
    out << "[sasync]\nurl=\"" << proxied_url(proxy.port())
        << "\"\npool-size=1\nmax-overflow=0\n[node]\nport=0\n";
  }
  test::daemon_process daemon{config};
  auto cli = [&](std::vector<std::string> args) {
    return test::cli_fixture::remote(daemon.port(), std::move(args));
  };
  // A group of the test's own in the shared items table.
  const std::string group = "917017";
  auto first = cli({"items", "set", group, "lost-answer", "before"});
  CAF_REQUIRE_EQUAL(first.code, 0);
  proxy.arm("lost-answer"); // the set's own statement: it commits itself
  auto lost = cli({"items", "set", group, "lost-answer", "lost"});
  CAF_MESSAGE("sasync: " << lost.errors);
  CAF_CHECK_EQUAL(proxy.cuts(), 1);
  CAF_CHECK_EQUAL(lost.code, 4);
  CAF_CHECK_NOT_EQUAL(lost.errors.find("outcome unknown"), std::string::npos);
  CAF_CHECK_EQUAL(lost.errors.find("retryable"), std::string::npos);
  // It did commit: the node serves on and reads the value the server kept.
  auto got = cli({"items", "get", group, "lost-answer"});
  CAF_CHECK_EQUAL(got.code, 0);
  CAF_CHECK_EQUAL(got.output, "lost\n");
  CAF_CHECK_EQUAL(cli({"items", "delete", group, "lost-answer"}).code, 0);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
