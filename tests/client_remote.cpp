// The client helpers through a real sasyncd process: connecting and
// requests are bounded by default, even against a node stopped with
// SIGSTOP, and a handle whose connection ended answers unreachable.
#define CAF_SUITE remote.client

#include "actors/client.hpp"
#include "actors/errc.hpp"
#include "actors/remote.hpp"
#include "actors/system_config.hpp"

#include "cli_fixture.hpp"
#include "daemon_process.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <string>

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
class frozen {
public:
  explicit frozen(child_process& proc) : proc_(proc) { proc_.signal(SIGSTOP); }
  frozen(const frozen&) = delete;
  frozen& operator=(const frozen&) = delete;
  ~frozen() { proc_.signal(SIGCONT); }

private:
  child_process& proc_;
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

    // The CLI: exit 2 and one line, within its --timeout.
    start = clock_type::now();
    auto run =
        run_to_end({SASYNC_CLI_PATH, "--port", std::to_string(daemon.port()),
                    "--timeout", "2", "items", "get", "1", "x"},
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
    if (!(got.error() == caf::sec::request_timeout))
      CAF_MESSAGE(sys.render(got.error()));
    CAF_CHECK(got.error() == caf::sec::request_timeout);
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

CAF_TEST_FIXTURE_SCOPE_END()
