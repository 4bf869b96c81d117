// Versions and compare-and-set through a real sasyncd process: the C++
// helpers through connect_node (a conflict's current version crosses the
// wire in the error) and the CLI's contract: `items get --version` prints
// VERSION<TAB>VALUE, `items set --if-version V` prints the new version, and
// a conflict exits 6 with one line naming the current version.
#define CAF_SUITE remote.versions

#include "sasync/actors/client.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/net/remote.hpp"
#include "sasync/actors/system_config.hpp"

#include "cli_fixture.hpp"
#include "daemon_process.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <string>

using namespace sasync;

namespace {

const caf::duration limit{std::chrono::seconds(30)};

struct client_config : system_config {
  client_config() { load<caf::io::middleman>(); }
};

struct fixture {
  test::cli_fixture files{"versions-remote"};
  test::daemon_process daemon{files.config()};

  run_result cli(std::vector<std::string> args) {
    return test::cli_fixture::remote(daemon.port(), std::move(args));
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(versions_remote, fixture)

CAF_TEST(compare_and_set_through_a_node_carries_the_current_version) {
  {
    client_config cfg;
    caf::actor_system sys{cfg};
    caf::scoped_actor self{sys};
    auto db = connect_node(sys, daemon.host(), daemon.port());
    CAF_REQUIRE(db);
    auto store = items_of(self, *db, 1, limit);
    CAF_REQUIRE(store);
    auto v1 = set_if(self, *store, "k", std::string{"a"}, 0, limit);
    CAF_REQUIRE(v1);
    CAF_CHECK_EQUAL(*v1, 1u);
    auto v2 = set_if(self, *store, "k", std::string{"b"}, 1, limit);
    CAF_REQUIRE(v2);
    CAF_CHECK_EQUAL(*v2, 2u);
    auto stale = set_if(self, *store, "k", std::string{"c"}, 1, limit);
    CAF_REQUIRE(!stale);
    CAF_CHECK(is(stale.error(), errc::conflict));
    CAF_CHECK(conflict_version(stale.error()) == std::optional<std::uint64_t>{2});
    auto read = get_versioned<std::string>(self, *store, "k", limit);
    CAF_REQUIRE(read && *read);
    CAF_CHECK_EQUAL((*read)->version, 2u);
    CAF_CHECK_EQUAL((*read)->value, "b");
    auto gone = delete_if(self, *store, "k", 1, limit);
    CAF_REQUIRE(!gone);
    CAF_CHECK(conflict_version(gone.error()) == std::optional<std::uint64_t>{2});
    CAF_CHECK(delete_if(self, *store, "k", 2, limit));
    auto cells = array_of(self, *db, 1, limit);
    CAF_REQUIRE(cells);
    coordinates at{1, 2, 3};
    CAF_CHECK(set_if(self, *cells, at, std::int64_t{5}, 0, limit));
    auto cell_stale = set_if(self, *cells, at, std::int64_t{6}, 0, limit);
    CAF_REQUIRE(!cell_stale);
    CAF_CHECK(conflict_version(cell_stale.error()) == std::optional<std::uint64_t>{1});
    auto cell = get_versioned<std::int64_t>(self, *cells, at, limit);
    CAF_REQUIRE(cell && *cell);
    CAF_CHECK_EQUAL((*cell)->version, 1u);
    CAF_CHECK(delete_if(self, *cells, at, 1, limit));
    disconnect_node(*db);
  }
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(the_cli_reads_versions_and_sets_only_at_the_version_it_names) {
  CAF_CHECK_EQUAL(cli({"items", "get", "2", "n", "--version"}).code, 3);
  auto created = cli({"items", "set", "2", "n", "one", "--if-version", "0"});
  CAF_CHECK_EQUAL(created.code, 0);
  CAF_CHECK_EQUAL(created.output, "1\n");
  auto read = cli({"items", "get", "2", "n", "--version"});
  CAF_CHECK_EQUAL(read.code, 0);
  CAF_CHECK_EQUAL(read.output, "1\tone\n");
  CAF_CHECK_EQUAL(cli({"items", "set", "2", "n", "two"}).code, 0);
  CAF_CHECK_EQUAL(cli({"items", "get", "2", "n", "--version"}).output,
                  "2\ttwo\n");
  // Stale: exit 6, one line naming the current version; nothing changes.
  auto stale = cli({"items", "set", "2", "n", "lost", "--if-version", "1"});
  CAF_CHECK_EQUAL(stale.code, 6);
  CAF_CHECK(test::one_line(stale.errors));
  CAF_CHECK_NOT_EQUAL(stale.errors.find("at version 2"), std::string::npos);
  CAF_CHECK_EQUAL(stale.output, "");
  auto exists = cli({"items", "set", "2", "n", "lost", "--if-version", "0"});
  CAF_CHECK_EQUAL(exists.code, 6);
  CAF_CHECK_NOT_EQUAL(exists.errors.find("at version 2"), std::string::npos);
  CAF_CHECK_EQUAL(cli({"items", "get", "2", "n"}).output, "two\n");
  auto updated = cli({"items", "set", "2", "n", "three", "--if-version", "2"});
  CAF_CHECK_EQUAL(updated.code, 0);
  CAF_CHECK_EQUAL(updated.output, "3\n");
  // delete --if-version: one NAME, at the version named.
  CAF_CHECK_EQUAL(
      cli({"items", "delete", "2", "n", "m", "--if-version", "3"}).code, 1);
  auto stale_delete = cli({"items", "delete", "2", "n", "--if-version", "2"});
  CAF_CHECK_EQUAL(stale_delete.code, 6);
  CAF_CHECK_NOT_EQUAL(stale_delete.errors.find("at version 3"),
                      std::string::npos);
  auto deleted = cli({"items", "delete", "2", "n", "--if-version", "3"});
  CAF_CHECK_EQUAL(deleted.code, 0);
  CAF_CHECK_EQUAL(deleted.output, "1\n");
  auto missing = cli({"items", "set", "2", "n", "x", "--if-version", "3"});
  CAF_CHECK_EQUAL(missing.code, 6);
  CAF_CHECK_NOT_EQUAL(missing.errors.find("at version 0 (missing)"),
                      std::string::npos);
  // Not a version: a usage error.
  CAF_CHECK_EQUAL(cli({"items", "set", "2", "n", "x", "--if-version", "-1"})
                      .code,
                  1);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
