// Atomic batches through a real sasyncd process, on SQLite and on
// PostgreSQL (a schema of its own): the C++ helper through
// connect_node answers each result, a failing operation in the middle
// leaves nothing behind and its error (operation, code, current version)
// crosses the wire, the node refuses what is over its limits or DDL from
// peers, and the names a failed batch held are free again.
#define CAF_SUITE remote.batch

#include "sasync/actors/client.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/net/remote.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/storage/connection.hpp"
#include "sasync/storage/engine_config.hpp"

#include "cli_fixture.hpp"
#include "daemon_process.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/make_message.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <fstream>
#include <string>

using namespace sasync;

namespace {

const caf::duration limit{std::chrono::seconds(30)};

struct client_config : system_config {
  client_config() { load<caf::io::middleman>(); }
};

/// A schema of the suite's own on the PostgreSQL test database, so the
/// batches meet no other suite's rows; dropped before and after.
class postgresql_schema {
public:
  postgresql_schema() { reset(); }
  ~postgresql_schema() { reset(); }

  static std::string url() {
    return test::postgresql_url() + "?options=-csearch_path%3D" + name;
  }

private:
  static constexpr const char* name = "sasync_batch_remote";

  static void reset() {
    auto conn = open_connection(engine_config::parse(test::postgresql_url()),
                                access_mode::write);
    conn->execute_script(std::string{"DROP SCHEMA IF EXISTS "} + name +
                         " CASCADE; CREATE SCHEMA " + name);
  }
};

/// Batches through the node `daemon` runs: results, a stale set_if and a
/// refused statement in the middle, the node's own refusals.
void all_or_nothing_through(test::daemon_process& daemon) {
  {
    client_config cfg;
    caf::actor_system sys{cfg};
    caf::scoped_actor self{sys};
    auto db = connect_node(sys, daemon.host(), daemon.port());
    CAF_REQUIRE(db);
    auto store = items_of(self, *db, 1, limit);
    CAF_REQUIRE(store);
    auto cells = array_of(self, *db, 2, limit);
    CAF_REQUIRE(cells);
    batch_builder first;
    first.set(1, "a", std::string{"one"})
        .set_if(1, "b", std::int64_t{1}, 0)
        .set(2, coordinates{1, 1, 1}, std::string{"c"})
        .sql("SELECT 1");
    auto done = batch(self, *db, first, limit);
    CAF_REQUIRE(done);
    CAF_REQUIRE_EQUAL(done->size(), 4u);
    CAF_CHECK_EQUAL((*done)[0].version, 1u);
    CAF_CHECK_EQUAL((*done)[1].version, 1u);
    CAF_CHECK_EQUAL((*done)[2].version, 1u);
    // A stale set_if in the middle: nothing of the batch stays.
    batch_builder second;
    second.set(1, "a", std::string{"two"})
        .erase(2, coordinates{1, 1, 1})
        .set_if(1, "b", std::int64_t{2}, 7)
        .set(1, "c", std::string{"new"});
    auto refused = batch(self, *db, second, limit);
    CAF_REQUIRE(!refused);
    CAF_MESSAGE("refused: " << sys.render(refused.error()));
    CAF_CHECK(is(refused.error(), errc::conflict));
    CAF_CHECK(conflict_version(refused.error()) ==
              std::optional<std::uint64_t>{1});
    CAF_CHECK_EQUAL(failed_operation(refused.error()), 2);
    auto a = get_versioned<std::string>(self, *store, "a", limit);
    CAF_REQUIRE(a && *a);
    CAF_CHECK_EQUAL((*a)->value, "one");
    CAF_CHECK_EQUAL((*a)->version, 1u);
    auto c = get<std::string>(self, *store, "c", limit);
    CAF_REQUIRE(c);
    CAF_CHECK(!*c);
    auto cell = get_versioned<std::string>(self, *cells, coordinates{1, 1, 1},
                                           limit);
    CAF_REQUIRE(cell && *cell);
    CAF_CHECK_EQUAL((*cell)->version, 1u);
    // A statement the database refuses, in the middle.
    batch_builder third;
    third.set(1, "a", std::string{"three"})
        .sql("INSERT INTO batch_no_such_table VALUES (1)")
        .set(1, "d", std::string{"d"});
    auto failed = batch(self, *db, third, limit);
    CAF_REQUIRE(!failed);
    CAF_CHECK(is(failed.error(), errc::database_error));
    CAF_CHECK_EQUAL(failed_operation(failed.error()), 1);
    auto still = get<std::string>(self, *store, "a", limit);
    CAF_REQUIRE(still);
    CAF_CHECK(*still == std::optional<std::string>{"one"});
    // The node's own checks: DDL from peers, an empty batch, a bad name.
    batch_builder ddl;
    ddl.set(1, "a", std::string{"x"}).sql("CREATE TABLE batch_peer (x INT)");
    auto no_ddl = batch(self, *db, ddl, limit);
    CAF_REQUIRE(!no_ddl);
    CAF_CHECK(is(no_ddl.error(), errc::invalid_argument));
    CAF_CHECK_EQUAL(failed_operation(no_ddl.error()), 1);
    auto empty = batch(self, *db, std::vector<batch_op>{}, limit);
    CAF_CHECK(!empty && is(empty.error(), errc::invalid_argument));
    batch_builder bad_name;
    bad_name.set(1, std::string{"\xc3"}, std::string{"x"});
    auto refused_name = batch(self, *db, bad_name, limit);
    CAF_REQUIRE(!refused_name);
    CAF_CHECK(is(refused_name.error(), errc::invalid_argument));
    CAF_CHECK_EQUAL(failed_operation(refused_name.error()), 0);
    // The holds are gone: single operations on the same names go on.
    auto again = set_if(self, *store, "a", std::string{"four"}, 1, limit);
    CAF_REQUIRE(again);
    CAF_CHECK_EQUAL(*again, 2u);
    disconnect_node(*db);
  }
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

} // namespace

CAF_TEST(a_batch_through_a_sqlite_node_is_all_or_nothing) {
  test::cli_fixture files{"batch-remote"};
  test::daemon_process daemon{files.config()};
  all_or_nothing_through(daemon);
}

CAF_TEST(a_peer_can_neither_hold_nor_release_names) {
  test::cli_fixture files{"batch-remote-peer"};
  test::daemon_process daemon{files.config()};
  {
    client_config cfg;
    caf::actor_system sys{cfg};
    caf::scoped_actor self{sys};
    // A plain CAF peer, no stand-in: it sends whatever it likes.
    auto peer = sys.middleman().remote_actor<node>(daemon.host(),
                                                   daemon.port());
    CAF_REQUIRE(peer);
    auto store = detail::ask<items>(self, *peer, limit, items_atom::value,
                                    std::int64_t{3});
    CAF_REQUIRE(store);
    auto answer_to = [&](const caf::message& msg) {
      caf::error err;
      self->request(caf::actor_cast<caf::actor>(*store), limit, msg)
          .receive([](std::uint64_t) {}, [&](caf::error& e) { err = e; });
      return err;
    };
    auto hold = answer_to(caf::make_message(
        hold_atom::value, std::vector<std::string>{"h"}));
    CAF_MESSAGE("hold from a peer: " << sys.render(hold));
    CAF_CHECK_EQUAL(hold, caf::sec::unexpected_message);
    auto release = answer_to(caf::make_message(release_atom::value,
                                               std::uint64_t{0}));
    CAF_CHECK_EQUAL(release, caf::sec::unexpected_message);
    // Nothing holds "h": a set on it is answered within the bound.
    CAF_CHECK(set(self, *store, "h", std::string{"free"}, limit));
    auto done = batch(self, *peer,
                      batch_builder{}.set(3, "h", std::string{"batch"}),
                      limit);
    CAF_CHECK(done);
  }
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(a_batch_through_a_postgresql_node_is_all_or_nothing) {
  test::cli_fixture files{"batch-remote-pg"};
  postgresql_schema schema;
  auto config = files.dir / "sasyncd-postgresql.ini";
  {
    std::ofstream out{config};
    out << "[sasync]\nurl=\"" << schema.url() << "\"\n[node]\nport=0\n";
  }
  test::daemon_process daemon{config};
  all_or_nothing_through(daemon);
}
