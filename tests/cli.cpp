// The sasync command line as users run it: real processes, embedded on a
// SQLite file and against a sasyncd node; exit codes as documented.
#define CAF_SUITE remote.cli

#include "backends.hpp"
#include "child_process.hpp"
#include "daemon_process.hpp"

#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace sasync;

namespace {

constexpr auto bound = std::chrono::seconds(60);

struct fixture {
  test::sqlite_file where{"cli"};
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("sasync-cli-" + std::to_string(::getpid()));

  fixture() {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }

  ~fixture() { std::filesystem::remove_all(dir); }

  /// sasync with `args`, embedded on the fixture's database.
  run_result embedded(std::vector<std::string> args) {
    args.insert(args.begin(), {SASYNC_CLI_PATH, "--url", where.url()});
    return run_to_end(std::move(args), bound);
  }

  /// sasync with `args` against the node on `port`.
  static run_result remote(std::uint16_t port, std::vector<std::string> args) {
    args.insert(args.begin(), {SASYNC_CLI_PATH, "--port", std::to_string(port),
                               "--timeout", "10"});
    return run_to_end(std::move(args), bound);
  }

  std::filesystem::path config() {
    auto path = dir / "sasyncd.ini";
    std::ofstream out{path};
    out << "[sasync]\nurl=\"" << where.url() << "\"\n[node]\nport=0\n";
    return path;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cli_tests, fixture)

CAF_TEST(embedded_items_round_trip_with_documented_exit_codes) {
  CAF_CHECK_EQUAL(embedded({"items", "set", "1", "greeting", "hi\tthere"}).code,
                  0);
  auto got = embedded({"items", "get", "1", "greeting"});
  CAF_CHECK_EQUAL(got.code, 0);
  CAF_CHECK_EQUAL(got.output, "hi\\tthere\n");
  auto missing = embedded({"items", "get", "1", "nobody"});
  CAF_CHECK_EQUAL(missing.code, 3);
  CAF_CHECK_EQUAL(missing.errors, "sasync: no item 'nobody' in group 1\n");
  // load reads what dump writes, escapes and all.
  auto file = dir / "in.tsv";
  {
    std::ofstream out{file};
    for (int i = 0; i < 2000; ++i)
      out << "n" << i << "\tvalue\\n" << i << '\n';
  }
  auto loaded = embedded({"items", "load", "2", file.string()});
  CAF_CHECK_EQUAL(loaded.code, 0);
  CAF_CHECK_EQUAL(loaded.output, "2000\n");
  auto dump = embedded({"items", "dump", "2"});
  CAF_CHECK_EQUAL(dump.code, 0);
  CAF_CHECK_NOT_EQUAL(dump.output.find("n1999\tvalue\\n1999\n"),
                      std::string::npos);
  auto names = embedded({"items", "names", "2"});
  CAF_CHECK_EQUAL(std::count(names.output.begin(), names.output.end(), '\n'),
                  2000);
  auto deleted = embedded({"items", "delete", "2", "n1", "n2", "none"});
  CAF_CHECK_EQUAL(deleted.output, "2\n");
  // A bad line stops the load, naming it.
  {
    std::ofstream out{file};
    out << "a\t1\nno tab here\n";
  }
  auto bad = embedded({"items", "load", "2", file.string()});
  CAF_CHECK_EQUAL(bad.code, 1);
  CAF_CHECK_NOT_EQUAL(bad.errors.find("line 2"), std::string::npos);
}

CAF_TEST(sql_streams_rows_as_tsv_with_a_header) {
  CAF_CHECK_EQUAL(embedded({"sql", "CREATE TABLE t (a INTEGER, b TEXT)"}).code,
                  0);
  CAF_CHECK_EQUAL(
      embedded({"sql",
                "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM "
                "n WHERE x < 5000) INSERT INTO t SELECT x, 'row ' || x FROM n"})
          .code,
      0);
  auto rows =
      embedded({"sql", "SELECT a, b, NULL AS c FROM t WHERE a > ?", "4997"});
  CAF_CHECK_EQUAL(rows.code, 0);
  CAF_CHECK_EQUAL(rows.output, "a\tb\tc\n4998\trow 4998\t\\N\n"
                               "4999\trow 4999\t\\N\n5000\trow 5000\t\\N\n");
  auto all = embedded({"sql", "SELECT a FROM t"});
  CAF_CHECK_EQUAL(std::count(all.output.begin(), all.output.end(), '\n'), 5001);
  auto broken = embedded({"sql", "SELEC 1"});
  CAF_CHECK_EQUAL(broken.code, 4);
  CAF_CHECK_NOT_EQUAL(broken.errors.find("syntax error"), std::string::npos);
}

CAF_TEST(bad_arguments_exit_1_and_an_unreachable_node_exits_2) {
  for (auto args : std::vector<std::vector<std::string>>{
           {},
           {"items"},
           {"items", "get", "1"},
           {"items", "get", "notanumber", "x"},
           {"frobnicate"},
           {"--timeout", "-1", "status"},
           {"--timeout", "1e300", "status"}, // beyond a representable deadline
           {"--timeout", "nan", "status"},
           {"--port", "70000", "status"},
           {"--url", "sqlite:///x.db", "--host", "h", "status"},
       }) {
    args.insert(args.begin(), SASYNC_CLI_PATH);
    auto res = run_to_end(args, bound);
    CAF_CHECK_EQUAL(res.code, 1);
    CAF_CHECK(res.errors.rfind("sasync: ", 0) == 0);
  }
  auto bad_url =
      run_to_end({SASYNC_CLI_PATH, "--url", "nope://x", "status"}, bound);
  CAF_CHECK_EQUAL(bad_url.code, 1);
  // Port 1 on loopback: nobody listens.
  auto nobody = remote(1, {"status"});
  CAF_CHECK_EQUAL(nobody.code, 2);
  CAF_CHECK_NOT_EQUAL(nobody.errors.find("cannot reach node 127.0.0.1:1"),
                      std::string::npos);
}

CAF_TEST(items_load_shows_progress_on_a_terminal_only) {
  auto file = dir / "in.tsv";
  {
    std::ofstream out{file};
    for (int i = 0; i < 500; ++i)
      out << "n" << i << "\tv\n";
  }
  // script(1) gives the CLI a terminal; stdout and stderr both reach it.
  auto command = std::string{SASYNC_CLI_PATH} + " --url " + where.url() +
                 " items load 1 " + file.string();
  auto on_tty = run_to_end(
      {"/usr/bin/script", "-q", "-e", "-c", command, "/dev/null"}, bound);
  CAF_CHECK_EQUAL(on_tty.code, 0);
  CAF_CHECK_NOT_EQUAL(on_tty.output.find("\rloaded "), std::string::npos);
  auto piped = embedded({"items", "load", "1", file.string()});
  CAF_CHECK_EQUAL(piped.code, 0);
  CAF_CHECK_EQUAL(piped.output, "500\n");
  CAF_CHECK_EQUAL(piped.errors.find("loaded"), std::string::npos);
}

CAF_TEST(against_a_node_and_after_kill_9_every_exit_0_write_is_there) {
  std::vector<std::string> written;
  {
    test::daemon_process daemon{config()};
    auto st = remote(daemon.port(), {"status"});
    CAF_CHECK_EQUAL(st.code, 0);
    CAF_CHECK_NOT_EQUAL(st.output.find("state: running"), std::string::npos);
    // Four CLI writers at a time; the daemon dies after the first 40.
    for (int round = 0; round < 1000; ++round) {
      std::vector<std::unique_ptr<child_process>> batch;
      for (int k = 0; k < 4; ++k) {
        auto name = "r" + std::to_string(round) + "-" + std::to_string(k);
        batch.push_back(std::make_unique<child_process>(
            std::vector<std::string>{SASYNC_CLI_PATH, "--port",
                                     std::to_string(daemon.port()), "--timeout",
                                     "10", "items", "set", "1", name, "v"}));
        if (written.size() + k == 40)
          daemon.process().signal(SIGKILL);
      }
      int failed = 0;
      for (int k = 0; k < 4; ++k) {
        auto code = batch[k]->wait(bound);
        CAF_REQUIRE(code);
        if (*code == 0)
          written.push_back("r" + std::to_string(round) + "-" +
                            std::to_string(k));
        else
          CAF_CHECK_EQUAL(*code, 2); // the node went away
        failed += *code != 0;
      }
      if (failed == 4)
        break;
    }
    CAF_CHECK_EQUAL(daemon.process().wait(bound), 128 + SIGKILL);
  }
  CAF_MESSAGE(written.size() << " CLI writes exited 0 before the node died");
  CAF_CHECK_GREATER_OR_EQUAL(written.size(), 40u);
  test::daemon_process again{config()};
  auto names = remote(again.port(), {"items", "names", "1"});
  CAF_REQUIRE_EQUAL(names.code, 0);
  std::set<std::string> present;
  std::string line;
  for (std::istringstream in{names.output}; std::getline(in, line);)
    present.insert(line);
  for (auto& name : written)
    CAF_CHECK(present.count(name) == 1);
  CAF_CHECK_EQUAL(
      remote(again.port(), {"items", "get", "1", written.front()}).output,
      "v\n");
  CAF_CHECK_EQUAL(again.stop(), 0);
}

// One client of a shared node cannot break it for the others: statements
// that end sasync's transactions, change a pooled connection or attach
// files are refused, and DDL from peers only when the operator allows it
// ([node] allow-ddl). Refusals exit 1 with one line.
CAF_TEST(a_peer_cannot_break_the_node_for_other_clients) {
  auto attached = dir / "attached.db";
  auto refused = [](const run_result& res, const std::string& word) {
    CAF_MESSAGE("exit " << res.code << ": " << res.errors);
    return res.code == 1 && res.errors.rfind("sasync: ", 0) == 0 &&
           res.errors.find('\n') == res.errors.size() - 1 &&
           res.errors.find(word) != std::string::npos;
  };
  {
    test::daemon_process daemon{config()};
    auto port = daemon.port();
    CAF_REQUIRE_EQUAL(remote(port, {"items", "set", "1", "a", "v"}).code, 0);
    CAF_CHECK(refused(remote(port, {"sql", "COMMIT"}), "COMMIT"));
    CAF_CHECK(refused(remote(port, {"sql", "ROLLBACK"}), "ROLLBACK"));
    CAF_CHECK(refused(remote(port, {"sql", "PRAGMA query_only=1"}), "PRAGMA"));
    CAF_CHECK_EQUAL(remote(port, {"items", "set", "1", "b", "v"}).code, 0);
    CAF_CHECK(refused(
        remote(port, {"sql", "ATTACH DATABASE '" + attached.string() +
                                 "' AS x"}),
        "ATTACH"));
    CAF_CHECK(!std::filesystem::exists(attached));
    CAF_CHECK(refused(remote(port, {"sql", "DROP TABLE sasync_items"}),
                      "allow-ddl"));
    CAF_CHECK(refused(remote(port, {"sql", "CREATE TABLE t (x INTEGER)"}),
                      "allow-ddl"));
    CAF_CHECK(refused(remote(port, {"sql", "/* x */ drop table sasync_items"}),
                      "allow-ddl"));
    auto a = remote(port, {"items", "get", "1", "a"});
    CAF_CHECK_EQUAL(a.code, 0);
    CAF_CHECK_EQUAL(a.output, "v\n");
    CAF_CHECK_EQUAL(remote(port, {"sql", "SELECT count(*) FROM sasync_items"})
                        .output,
                    "count(*)\n2\n");
    CAF_CHECK_EQUAL(daemon.stop(), 0);
  }
  // The operator allows DDL: peers create and drop tables, and sasync's
  // own tables come back when dropped.
  test::daemon_process daemon{config(), {"--node.allow-ddl"}};
  auto port = daemon.port();
  CAF_CHECK_EQUAL(remote(port, {"sql", "CREATE TABLE t (x INTEGER)"}).code, 0);
  CAF_CHECK_EQUAL(remote(port, {"sql", "INSERT INTO t VALUES (?)", "7"}).code,
                  0);
  CAF_CHECK_EQUAL(remote(port, {"sql", "DROP TABLE sasync_items"}).code, 0);
  CAF_CHECK_EQUAL(remote(port, {"items", "get", "1", "a"}).code, 3);
  CAF_CHECK_EQUAL(remote(port, {"items", "set", "1", "c", "v"}).code, 0);
  CAF_CHECK_EQUAL(remote(port, {"items", "get", "1", "c"}).output, "v\n");
  // Still refused with DDL allowed: they break the node for everyone.
  CAF_CHECK(refused(remote(port, {"sql", "COMMIT"}), "COMMIT"));
  CAF_CHECK(refused(
      remote(port, {"sql", "ATTACH DATABASE '" + attached.string() + "' AS x"}),
      "ATTACH"));
  CAF_CHECK(!std::filesystem::exists(attached));
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
