// What the README promises of the sasync CLI, shown with real processes:
// the `array` commands embedded and on a node, `--tls-cert/--tls-key/
// --tls-ca` against a node that talks TLS, and exit code 5 when a node is
// overloaded (with the queue's gauges and the log's lines about it).
#define CAF_SUITE remote.promises_cli

#include "certificates.hpp"
#include "cli_fixture.hpp"
#include "daemon_process.hpp"
#include "metrics_http.hpp"

#include <caf/test/unit_test.hpp>

#include <functional>
#include <string>
#include <vector>

using namespace sasync;
using test::cli_bound;
using test::one_line;

namespace {

struct fixture : test::cli_fixture {
  fixture() : cli_fixture("promises-cli") {}

  /// Makes `name`.pem and `name`.key, signed by `ca` (self-signed when
  /// `ca` is empty).
  void make_certificate(const std::string& name, const std::string& ca) const {
    auto err = test::make_certificate(dir, name, ca);
    if (!err.empty())
      CAF_FAIL(err);
  }

  /// sasync with `args` against the TLS node on `port`, presenting
  /// `who`.pem signed by `ca`.
  run_result tls(std::uint16_t port, const std::string& who,
                 const std::string& ca, std::vector<std::string> args) const {
    args.insert(args.begin(), {"--tls-cert", in_dir(who + ".pem"), "--tls-key",
                               in_dir(who + ".key"), "--tls-ca",
                               in_dir(ca + ".pem")});
    return remote(port, std::move(args));
  }
};

/// The array commands through `cli`, which runs sasync with the arguments
/// given (embedded or against a node).
void array_round_trip(
    const std::function<run_result(std::vector<std::string>)>& cli) {
  const std::string big = "9223372036854775807";
  const std::string small = "-9223372036854775808";
  CAF_CHECK_EQUAL(cli({"array", "set", "4", "1", "-2", "3", "one"}).code, 0);
  CAF_CHECK_EQUAL(cli({"array", "set", "4", big, small, "0", "tab\there"}).code,
                  0);
  CAF_CHECK_EQUAL(cli({"array", "set", "5", "1", "-2", "3", "other"}).code, 0);
  auto one = cli({"array", "get", "4", "1", "-2", "3"});
  CAF_CHECK_EQUAL(one.code, 0);
  CAF_CHECK_EQUAL(one.output, "one\n");
  // Escaped as `items get` shows it.
  auto tabbed = cli({"array", "get", "4", big, small, "0"});
  CAF_CHECK_EQUAL(tabbed.code, 0);
  CAF_CHECK_EQUAL(tabbed.output, "tab\\there\n");
  // A later set replaces the value of its cell.
  CAF_CHECK_EQUAL(cli({"array", "set", "4", "1", "-2", "3", "two"}).code, 0);
  CAF_CHECK_EQUAL(cli({"array", "get", "4", "1", "-2", "3"}).output, "two\n");
  // A cell without a value: exit 3, one line naming it.
  auto missing = cli({"array", "get", "4", "3", "-2", "1"});
  CAF_CHECK_EQUAL(missing.code, 3);
  CAF_CHECK_EQUAL(missing.output, "");
  CAF_CHECK(one_line(missing.errors));
  CAF_CHECK_NOT_EQUAL(missing.errors.find("(3, -2, 1)"), std::string::npos);
  // delete: exit 0 when there was a value, 3 when there was none.
  CAF_CHECK_EQUAL(cli({"array", "delete", "4", "1", "-2", "3"}).code, 0);
  CAF_CHECK_EQUAL(cli({"array", "get", "4", "1", "-2", "3"}).code, 3);
  auto none = cli({"array", "delete", "4", "1", "-2", "3"});
  CAF_CHECK_EQUAL(none.code, 3);
  CAF_CHECK(one_line(none.errors));
  // clear: prints how many values the group had; other groups keep theirs.
  CAF_CHECK_EQUAL(cli({"array", "set", "4", "0", "0", "0", "origin"}).code, 0);
  auto cleared = cli({"array", "clear", "4"});
  CAF_CHECK_EQUAL(cleared.code, 0);
  CAF_CHECK_EQUAL(cleared.output, "2\n");
  CAF_CHECK_EQUAL(cli({"array", "get", "4", big, small, "0"}).code, 3);
  CAF_CHECK_EQUAL(cli({"array", "clear", "4"}).output, "0\n");
  CAF_CHECK_EQUAL(cli({"array", "get", "5", "1", "-2", "3"}).output,
                  "other\n");
  // Bad coordinates are usage errors.
  auto bad = cli({"array", "get", "4", "1", "x", "3"});
  CAF_CHECK_EQUAL(bad.code, 1);
  CAF_CHECK(one_line(bad.errors));
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(promises_cli_tests, fixture)

CAF_TEST(array_commands_work_embedded_and_on_a_node) {
  array_round_trip([&](std::vector<std::string> args) {
    return embedded(std::move(args));
  });
  test::daemon_process daemon{config()};
  // Group 5 keeps what the embedded run stored: the same database file.
  CAF_CHECK_EQUAL(remote(daemon.port(), {"array", "get", "5", "1", "-2", "3"})
                      .output,
                  "other\n");
  CAF_CHECK_EQUAL(remote(daemon.port(), {"array", "clear", "5"}).output, "1\n");
  array_round_trip([&](std::vector<std::string> args) {
    return remote(daemon.port(), std::move(args));
  });
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(tls_options_reach_a_tls_node_and_a_foreign_certificate_is_refused) {
  make_certificate("ca", "");
  make_certificate("node", "ca");
  make_certificate("client", "ca");
  make_certificate("rogue-ca", "");
  make_certificate("rogue", "rogue-ca");
  test::daemon_process daemon{config(),
                              {"--openssl.certificate=" + in_dir("node.pem"),
                               "--openssl.key=" + in_dir("node.key"),
                               "--openssl.cafile=" + in_dir("ca.pem")}};
  auto port = daemon.port();
  CAF_CHECK_EQUAL(
      tls(port, "client", "ca", {"items", "set", "3", "secret", "kept"}).code,
      0);
  auto got = tls(port, "client", "ca", {"items", "get", "3", "secret"});
  CAF_CHECK_EQUAL(got.code, 0);
  CAF_CHECK_EQUAL(got.output, "kept\n");
  CAF_CHECK_EQUAL(
      tls(port, "client", "ca", {"array", "set", "3", "1", "2", "3", "c"}).code,
      0);
  CAF_CHECK_EQUAL(
      tls(port, "client", "ca", {"array", "get", "3", "1", "2", "3"}).output,
      "c\n");
  auto status = tls(port, "client", "ca", {"status"});
  CAF_CHECK_EQUAL(status.code, 0);
  CAF_CHECK_NOT_EQUAL(status.output.find("state: running"), std::string::npos);
  // A certificate of another CA: refused during the handshake, exit 2 in
  // one line, nothing read or written.
  auto rogue = tls(port, "rogue", "rogue-ca", {"items", "get", "3", "secret"});
  CAF_MESSAGE("rogue certificate: " << rogue.errors);
  CAF_CHECK_EQUAL(rogue.code, 2);
  CAF_CHECK(one_line(rogue.errors));
  CAF_CHECK_EQUAL(rogue.output, "");
  // A client certificate of the node's CA, but the node's certificate
  // checked against another CA: the client refuses the node.
  auto distrust = tls(port, "client", "rogue-ca", {"status"});
  CAF_MESSAGE("node of another CA: " << distrust.errors);
  CAF_CHECK_EQUAL(distrust.code, 2);
  // Without the options the client talks plain TCP and is refused.
  auto plain = remote(port, {"items", "get", "3", "secret"});
  CAF_CHECK_EQUAL(plain.code, 2);
  CAF_CHECK(one_line(plain.errors));
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(a_node_at_its_queue_capacity_makes_the_cli_exit_5) {
  // One writer connection, one waiting job at most: a write that runs
  // long holds the writer, one more write waits, the next is refused.
  CAF_REQUIRE_EQUAL(embedded({"sql", "CREATE TABLE slow (x INTEGER)"}).code, 0);
  test::daemon_process daemon{config(),
                              {"--sasync.queue-capacity=1",
                               "--sasync.run-timeout=20", "--metrics.port=0"}};
  auto port = daemon.port();
  auto metrics_port = test::metrics_port_of(daemon.process(), cli_bound);
  CAF_REQUIRE_NOT_EQUAL(metrics_port, 0);
  // The array's actor and table exist before the queue fills.
  CAF_REQUIRE_EQUAL(
      remote(port, {"array", "set", "1", "0", "0", "0", "before"}).code, 0);
  child_process runaway{remote_command(
      port,
      {"sql", "INSERT INTO slow (x) SELECT count(*) FROM (WITH RECURSIVE "
              "r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT i "
              "FROM r)"},
      "60")};
  CAF_REQUIRE(status_shows(port, "queue: 0 waiting, 1 running"));
  child_process waiting{
      remote_command(port, {"items", "set", "1", "n", "v"}, "60")};
  CAF_REQUIRE(status_shows(port, "queue: 1 waiting, 1 running, capacity 1"));
  auto refused = remote(port, {"array", "set", "1", "0", "0", "0", "after"});
  CAF_MESSAGE("a write to a full queue: exit " << refused.code << ", "
                                               << refused.errors);
  CAF_CHECK_EQUAL(refused.code, 5);
  CAF_CHECK(one_line(refused.errors));
  CAF_CHECK_NOT_EQUAL(refused.errors.find("overloaded"), std::string::npos);
  // The queue's gauges say the same as status.
  auto text = test::scrape_metrics(metrics_port);
  CAF_CHECK_EQUAL(test::sample(text, "sasync_queue_waiting"), 1);
  CAF_CHECK_EQUAL(test::sample(text, "sasync_queue_running"), 1);
  CAF_CHECK_EQUAL(test::sample(text, "sasync_queue_capacity"), 1);
  // The runaway ends at run_timeout; the waiting write then commits, and
  // the refused one left the cell as it was.
  CAF_CHECK_EQUAL(runaway.wait(cli_bound), 2);
  CAF_CHECK_EQUAL(waiting.wait(cli_bound), 0);
  CAF_CHECK_EQUAL(remote(port, {"items", "get", "1", "n"}).output, "v\n");
  CAF_CHECK_EQUAL(remote(port, {"array", "get", "1", "0", "0", "0"}).output,
                  "before\n");
  text = test::scrape_metrics(metrics_port);
  CAF_CHECK_EQUAL(test::sample(text, "sasync_queue_waiting"), 0);
  CAF_CHECK_EQUAL(test::sample(text, "sasync_queue_running"), 0);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
  // The log: once when the overload began, once when it ended.
  auto log = daemon.process().errors();
  auto count = [&log](const std::string& what) {
    std::size_t n = 0;
    for (auto at = log.find(what); at != std::string::npos;
         at = log.find(what, at + 1))
      ++n;
    return n;
  };
  CAF_CHECK_EQUAL(count("overloaded: 1 jobs waiting (capacity 1)"), 1u);
  CAF_CHECK_EQUAL(count("overload ended: 0 jobs waiting (capacity 1)"), 1u);
  CAF_CHECK_LESS(log.find("overloaded: "), log.find("overload ended: "));
}

CAF_TEST_FIXTURE_SCOPE_END()
