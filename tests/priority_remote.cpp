// Priorities through a node in another process, on the real PostgreSQL
// server: the node's one connection waits on an advisory lock the test
// holds, requests at several priorities queue behind it, and the probes'
// log shows the order they ran in.
#define CAF_SUITE remote.priority_postgresql

#include "sasync/actors/client.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/net/remote.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/storage/connection.hpp"
#include "sasync/storage/engine_config.hpp"

#include "backends.hpp"
#include "daemon_process.hpp"
#include "priority_probe.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <string>

using namespace sasync;
using namespace std::chrono_literals;

namespace {

constexpr auto bound = std::chrono::seconds(30);

/// A client's actor system: it reaches nodes through the middleman.
struct client_config : system_config {
  client_config() { load<caf::io::middleman>(); }
};

/// The advisory lock the node's connection waits on.
constexpr std::int64_t lock_key = 190'419;

struct fixture {
  test::postgresql_tables tables{
      "sasync_items, sasync_array, prio_log, prio_rows"};
  test::scratch_dir dir{"priority-remote"};
  test::daemon_process daemon{config()};
  client_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  test::priority_probe probes{sys, self, node{}};

  std::filesystem::path config() {
    auto path = dir.path() / "sasyncd.ini";
    std::ofstream out{path};
    out << "[sasync]\nurl=\"" << test::postgresql_url()
        << "\"\npool-size=1\nmax-overflow=0\n[node]\nport=0\n";
    return path;
  }

  fixture() {
    auto conn = open_connection(engine_config::parse(test::postgresql_url()),
                                access_mode::write);
    conn->execute_script("CREATE TABLE prio_log(id BIGSERIAL PRIMARY KEY, "
                         "tag TEXT, seen BIGINT)");
    auto db = connect_node(sys, daemon.host(), daemon.port(), 10s);
    CAF_REQUIRE(db);
    probes.db = *db;
  }

  ~fixture() {
    disconnect_node(probes.db);
    daemon.stop();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(priority_remote, fixture)

CAF_TEST(items_writes_and_sql_through_a_node_run_by_priority) {
  auto& db = probes.db;
  auto store = items_of(self, db, 301, bound);
  CAF_REQUIRE(store);
  auto holder = open_connection(engine_config::parse(test::postgresql_url()),
                                access_mode::write);
  holder->begin(access_mode::write);
  holder->execute("SELECT pg_advisory_xact_lock(?)", {value{lock_key}});
  // The node's only connection waits for the lock, at do_next.
  probes.submit<result_set>(db, sql_atom::value,
                            std::string{"SELECT pg_advisory_xact_lock(?)"},
                            std::vector<value>{lock_key}, do_next);
  probes.wait_for_queue(
      [](const queue_status& q) { return q.running == 1 && q.idle == 0; },
      "the connection busy");
  // Arrival order far from priority order; no two share a priority.
  probes.submit<void>(*store, set_atom::value, std::string{"a1"},
                      test::text_value("1"), niceness(10));
  probes.probe("p11", "sasync_items", 301, niceness(11));
  probes.submit<void>(*store, set_atom::value, std::string{"a2"},
                      test::text_value("2"), niceness(-10));
  probes.probe("plast", "sasync_items", 301, do_last);
  probes.submit<void>(*store, set_atom::value, std::string{"a3"},
                      test::text_value("3"), do_next);
  probes.probe("p-15", "sasync_items", 301, niceness(-15));
  probes.probe("p0", "sasync_items", 301, niceness(0));
  // Without a priority: a set at 1, after p0; the probe's default is 0.
  probes.submit<void>(*store, set_atom::value, std::string{"a4"},
                      test::text_value("4"));
  probes.probe("p2", "sasync_items", 301, niceness(2));
  probes.wait_in_queue(9);
  holder->rollback();
  probes.collect();
  CAF_CHECK_EQUAL(probes.log(), (test::log_lines{"p-15=1", "p0=2", "p2=3",
                                                 "p11=4", "plast=4"}));
}

CAF_TEST(bulk_inserts_through_a_node_run_by_priority) {
  auto& db = probes.db;
  // The node runs no DDL for its peers (allow-ddl=false).
  open_connection(engine_config::parse(test::postgresql_url()),
                  access_mode::write)
      ->execute_script("CREATE TABLE prio_rows(group_id BIGINT, body TEXT)");
  auto spec = insert_spec{"prio_rows", {"group_id", "body"}, "", 100};
  auto urgent = insert_into(self, db, spec, bound);
  auto plain = insert_into(self, db, spec, bound);
  CAF_REQUIRE(urgent && plain);
  auto holder = open_connection(engine_config::parse(test::postgresql_url()),
                                access_mode::write);
  holder->begin(access_mode::write);
  holder->execute("SELECT pg_advisory_xact_lock(?)", {value{lock_key}});
  probes.submit<result_set>(db, sql_atom::value,
                            std::string{"SELECT pg_advisory_xact_lock(?)"},
                            std::vector<value>{lock_key}, do_next);
  probes.wait_for_queue(
      [](const queue_status& q) { return q.running == 1 && q.idle == 0; },
      "the connection busy");
  auto rows = [](const char* body, std::size_t n) {
    return std::vector<row>(n, row{value{304}, value{body}});
  };
  probes.probe("p0", "prio_rows", 304, niceness(0));
  // Without a priority: after p0 (defaults::insert_priority is 1).
  probes.submit<std::vector<value>>(*plain, write_atom::value,
                                    rows("plain", 1));
  probes.probe("p2", "prio_rows", 304, niceness(2));
  probes.submit<std::vector<value>>(*urgent, write_atom::value,
                                    rows("urgent", 2), do_next);
  probes.wait_in_queue(4);
  holder->rollback();
  probes.collect();
  CAF_CHECK_EQUAL(probes.log(), (test::log_lines{"p0=2", "p2=3"}));
  auto refused = write(self, *urgent, rows("x", 1), bound, niceness(21));
  CAF_REQUIRE(!refused);
  CAF_CHECK(is(refused.error(), errc::invalid_argument));
}

CAF_TEST(a_priority_out_of_range_through_a_node_is_invalid_argument) {
  auto& db = probes.db;
  auto store = items_of(self, db, 302, bound);
  auto cache = dict_of(self, db, 303, bound);
  CAF_REQUIRE(store && cache);
  for (auto x : {set(self, *store, "k", std::string{"v"}, bound, niceness(21)),
                 set(self, *cache, "k", std::string{"v"}, bound, niceness(-21))}) {
    CAF_REQUIRE(!x);
    CAF_CHECK(is(x.error(), errc::invalid_argument));
  }
  auto refused = sql(self, db, "SELECT 1", {}, bound, niceness(30));
  CAF_REQUIRE(!refused);
  CAF_CHECK(is(refused.error(), errc::invalid_argument));
  // The node still serves.
  auto fine = sql(self, db, "SELECT 1", {}, bound, do_last);
  CAF_CHECK(fine);
}

CAF_TEST_FIXTURE_SCOPE_END()
