// The sasync command line as users run it: real processes, embedded on a
// SQLite file and against a sasyncd node; exit codes as documented.
#define CAF_SUITE remote.cli

#include "cli_fixture.hpp"
#include "daemon_process.hpp"
#include "program_paths.hpp"
#include "runaway_clients.hpp"

#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
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

struct fixture : test::cli_fixture {
  fixture() : cli_fixture("cli") {}
};

/// The number of lines of `text`.
std::size_t lines_of(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

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

CAF_TEST(sql_bind_passes_named_parameters_embedded_and_through_a_node) {
  CAF_REQUIRE_EQUAL(
      embedded({"sql", "CREATE TABLE named (a INTEGER, b TEXT, c REAL)"}).code,
      0);
  // Numbers bind as numbers, as PARAMs do; a name may appear twice.
  CAF_CHECK_EQUAL(embedded({"sql", "INSERT INTO named VALUES (:a, :b, :a)",
                            "--bind", "a=7", "--bind", "b=seven"})
                      .code,
                  0);
  auto rows = embedded({"sql",
                        "SELECT a + :d AS s, b, ':no' AS lit FROM named "
                        "WHERE a = :a AND c = :a",
                        "--bind", "a=7", "--bind", "d=0.5"});
  CAF_CHECK_EQUAL(rows.code, 0);
  CAF_CHECK_EQUAL(rows.output, "s\tb\tlit\n7.5\tseven\t:no\n");
  // Each mistake is a usage error (exit 1, one line), and nothing is written.
  auto usage_error = [](const run_result& res, const std::string& word) {
    CAF_MESSAGE("exit " << res.code << ": " << res.errors);
    return res.code == 1 && res.errors.rfind("sasync: ", 0) == 0 &&
           res.errors.find('\n') == res.errors.size() - 1 &&
           res.errors.find(word) != std::string::npos;
  };
  const std::string insert = "INSERT INTO named VALUES (:a, :b, 0)";
  CAF_CHECK(usage_error(embedded({"sql", insert, "--bind", "a=1", "--bind",
                                  "b=x", "--bind", "c=2"}),
                        ":c"));
  CAF_CHECK(usage_error(embedded({"sql", insert, "--bind", "a=1"}), ":b"));
  CAF_CHECK(usage_error(
      embedded({"sql", "INSERT INTO named VALUES (?, :b, 0)", "--bind", "b=x"}),
      "mixes"));
  CAF_CHECK(usage_error(embedded({"sql", insert, "--bind", "a=1", "--bind",
                                  "a=2", "--bind", "b=x"}),
                        ":a twice"));
  CAF_CHECK(
      usage_error(embedded({"sql", insert, "--bind", "a"}), "NAME=VALUE"));
  CAF_CHECK(usage_error(embedded({"sql", insert, "--bind", "1a=1"}), "NAME"));
  CAF_CHECK_EQUAL(embedded({"sql", insert, "5", "--bind", "a=1"}).code, 1);
  CAF_CHECK_EQUAL(
      embedded({"sql", insert, "--bind", "a=1", "--bind", "b=2", "5"}).code, 1);
  CAF_CHECK_EQUAL(embedded({"sql", "SELECT count(*) AS n FROM named"}).output,
                  "n\n1\n");
  // The same through a node: the map travels to it.
  test::daemon_process daemon{config()};
  auto port = daemon.port();
  CAF_CHECK_EQUAL(
      remote(port, {"sql", insert, "--bind", "a=8", "--bind", "b=eight"}).code,
      0);
  CAF_CHECK_EQUAL(
      remote(port, {"sql", "SELECT b FROM named WHERE a = :a", "--bind", "a=8"})
          .output,
      "b\neight\n");
  CAF_CHECK(usage_error(remote(port, {"sql", insert, "--bind", "a=9", "--bind",
                                      "b=x", "--bind", "z=0"}),
                        ":z"));
  CAF_CHECK_EQUAL(
      remote(port, {"sql", "SELECT count(*) AS n FROM named"}).output,
      "n\n2\n");
  CAF_CHECK_EQUAL(daemon.stop(), 0);
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
           {"--port", "0", "status"}, // not 4242
           {"--url", "", "status"},   // not the node on 4242
           {"--host", "", "status"},
       }) {
    args.insert(args.begin(), test::sasync_cli_path());
    auto res = run_to_end(args, bound);
    CAF_CHECK_EQUAL(res.code, 1);
    CAF_CHECK(res.errors.rfind("sasync: ", 0) == 0);
  }
  // Numbers beyond int64 are refused, not clamped to its limit and
  // stored there; an empty statement is no statement.
  for (auto args : std::vector<std::vector<std::string>>{
           {"items", "set", "9223372036854775808", "n", "v"},
           {"items", "set", "-9223372036854775809", "n", "v"},
           {"items", "get", "99999999999999999999999", "n"},
           {"items", "names", "1.5"},
           {"items", "names", " 1"},
           {"array", "set", "1", "9223372036854775808", "0", "0", "v"},
           {"array", "get", "1", "0", "-99999999999999999999", "0"},
           {"array", "delete", "1", "0", "0", "1e3"},
           {"sql", ""},
           {"sql", "  "},
       }) {
    auto res = embedded(args);
    CAF_CHECK_EQUAL(res.code, 1);
    CAF_CHECK(res.errors.rfind("sasync: ", 0) == 0);
    CAF_CHECK_EQUAL(std::count(res.errors.begin(), res.errors.end(), '\n'), 1);
  }
  CAF_CHECK_EQUAL(embedded({"items", "names", "9223372036854775808"}).errors,
                  "sasync: GROUP: 9223372036854775808 is not a whole number "
                  "from -9223372036854775808 to 9223372036854775807 "
                  "(--help lists the commands)\n");
  // The extremes themselves are fine.
  CAF_CHECK_EQUAL(
      embedded({"items", "set", "-9223372036854775808", "n", "v"}).code, 0);
  CAF_CHECK_EQUAL(
      embedded({"items", "get", "-9223372036854775808", "n"}).output, "v\n");
  CAF_CHECK_EQUAL(embedded({"items", "names", "9223372036854775807"}).code, 0);
  CAF_CHECK_EQUAL(
      embedded({"array", "set", "1", "-1", "0", "9223372036854775807", "v"})
          .code,
      0);
  auto bad_url = run_to_end(
      {test::sasync_cli_path(), "--url", "nope://x", "status"}, bound);
  CAF_CHECK_EQUAL(bad_url.code, 1);
  auto nul = run_to_end(
      {test::sasync_cli_path(), "--url", "sqlite:///%00x.db", "status"}, bound);
  CAF_CHECK_EQUAL(nul.code, 1);
  CAF_CHECK_NOT_EQUAL(nul.errors.find("NUL byte"), std::string::npos);
  // Port 1 on loopback: nobody listens.
  auto nobody = remote(1, {"status"});
  CAF_CHECK_EQUAL(nobody.code, 2);
  CAF_CHECK_NOT_EQUAL(nobody.errors.find("cannot reach node 127.0.0.1:1"),
                      std::string::npos);
  CAF_CHECK_EQUAL(nobody.errors.find("system_error"), std::string::npos);
  CAF_CHECK_EQUAL(std::count(nobody.errors.begin(), nobody.errors.end(), '\n'),
                  1);
}

CAF_TEST(a_write_that_times_out_says_it_may_still_commit) {
  test::daemon_process daemon{config()};
  CAF_REQUIRE_EQUAL(remote(daemon.port(), {"items", "set", "1", "a", "1"}).code,
                    0);
  {
    // Another writer holds SQLite's write lock: the node's write waits.
    auto holder =
        open_connection(engine_config::parse(where.url()), access_mode::write);
    holder->begin(access_mode::write);
    holder->execute("DELETE FROM sasync_items WHERE 0", {});
    auto res = run_to_end({test::sasync_cli_path(), "--port",
                           std::to_string(daemon.port()), "--timeout", "1",
                           "items", "set", "1", "b", "2"},
                          bound);
    CAF_MESSAGE("stderr: " << res.errors);
    CAF_CHECK_EQUAL(res.code, 2);
    CAF_CHECK_EQUAL(res.errors, "sasync: no answer to items set within 1 s; "
                                "the write may still commit\n");
    holder->rollback();
  }
  CAF_CHECK_EQUAL(remote(daemon.port(), {"items", "get", "1", "b"}).output,
                  "2\n"); // it did commit, once the lock went
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(a_value_over_the_limit_is_refused_before_it_is_sent) {
  test::daemon_process daemon{config()};
  auto file = dir / "big.tsv";
  {
    std::ofstream out{file};
    out << "small\tv\nbig\t" << std::string(100 << 20, 'x') << '\n';
  }
  auto res = remote(daemon.port(), {"items", "load", "1", file.string()});
  CAF_MESSAGE("stderr: " << res.errors);
  CAF_CHECK_EQUAL(res.code, 1);
  CAF_CHECK_EQUAL(res.errors.rfind("sasync: line 2: a value of 1048576", 0), 0);
  CAF_CHECK_NOT_EQUAL(res.errors.find("over the limit of 67108864 bytes"),
                      std::string::npos);
  CAF_CHECK_EQUAL(std::count(res.errors.begin(), res.errors.end(), '\n'), 1);
  // The node never saw it and serves on.
  CAF_CHECK_EQUAL(remote(daemon.port(), {"status"}).code, 0);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(items_load_shows_progress_on_a_terminal_only) {
  auto file = dir / "in.tsv";
  {
    std::ofstream out{file};
    for (int i = 0; i < 500; ++i)
      out << "n" << i << "\tv\n";
  }
  // script(1) gives the CLI a terminal; stdout and stderr both reach it.
  auto command = std::string{test::sasync_cli_path()} + " --url " +
                 where.url() + " items load 1 " + file.string();
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
            std::vector<std::string>{test::sasync_cli_path(), "--port",
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
        if (*code != 0 && *code != 2)
          CAF_MESSAGE("write " << round << "-" << k << " of " << written.size()
                               << " before it exited " << *code);
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

CAF_TEST(runaway_queries_on_a_node_are_interrupted_and_sigterm_exits_in_time) {
  // Long enough for four client processes to start and all be lent a
  // connection before the first is interrupted, sanitized or not.
  constexpr double run_timeout = 6;
  test::daemon_process daemon{
      config(), {"--sasync.run-timeout=6", "--sasync.pool-size=5"}};
  auto seen = test::run_runaways(
      daemon,
      "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) "
      "SELECT count(*) FROM r",
      run_timeout, bound);
  // The get was served once the readers were interrupted: no such item.
  CAF_CHECK_EQUAL(seen.get_code, 3);
  CAF_CHECK_LESS(seen.runaways_answered, 10.0);
  CAF_CHECK_EQUAL(seen.stop_code, 0);
  CAF_CHECK_LESS(seen.stop_seconds, run_timeout + 5);
}

CAF_TEST(a_load_that_fails_part_way_reports_exactly_what_it_stored) {
  // Line 10 holds a name over the 4096-byte limit; every other line is good.
  auto file = dir / "bad.tsv";
  {
    std::ofstream out{file};
    for (int i = 1; i <= 2000; ++i)
      out << (i == 10 ? std::string(5000, 'x') : "n" + std::to_string(i))
          << "\tv\n";
  }
  auto loaded_count = [](const std::string& errors) {
    auto at = errors.rfind('(');
    return at == std::string::npos ? std::string{}
                                   : errors.substr(at + 1,
                                                   errors.find(' ', at) - at - 1);
  };
  // What a failing check needs to be understood.
  auto report = [&](const run_result& load, const run_result& names) {
    CAF_MESSAGE("failed load said: " << load.errors << " (exit " << load.code
                                     << "); names then listed "
                                     << lines_of(names.output) << " (exit "
                                     << names.code
                                     << ", stderr: " << names.errors << ")");
  };
  auto check = [&](const run_result& load, const run_result& names) {
    report(load, names);
    CAF_CHECK_EQUAL(load.code, 1);
    CAF_CHECK_NOT_EQUAL(load.errors.find("line 10:"), std::string::npos);
    CAF_CHECK_EQUAL(loaded_count(load.errors),
                    std::to_string(lines_of(names.output)));
  };
  // (The load first: arguments are evaluated in no set order.)
  auto loaded = embedded({"items", "load", "1", file.string()});
  check(loaded, embedded({"items", "names", "1"}));
  {
    test::daemon_process daemon{config()};
    auto sent = remote(daemon.port(), {"items", "load", "2", file.string()});
    check(sent, remote(daemon.port(), {"items", "names", "2"}));
    // A line that does not parse, after hundreds of sets in flight.
    {
      std::ofstream out{file};
      for (int i = 1; i <= 2000; ++i)
        out << "m" << i << (i == 700 ? " no tab" : "\tv") << '\n';
    }
    auto bad = remote(daemon.port(), {"items", "load", "3", file.string()});
    auto names = remote(daemon.port(), {"items", "names", "3"});
    report(bad, names);
    CAF_CHECK_EQUAL(bad.code, 1);
    CAF_CHECK_NOT_EQUAL(bad.errors.find("line 700:"), std::string::npos);
    CAF_CHECK_EQUAL(loaded_count(bad.errors), "699");
    CAF_CHECK_EQUAL(lines_of(names.output), 699u);
    CAF_CHECK_EQUAL(daemon.stop(), 0);
  }
}

CAF_TEST(control_bytes_print_escaped_and_round_trip_through_load) {
  auto file = dir / "control.tsv";
  {
    std::ofstream out{file};
    out << "plain\tx\\x00y\\x01z\\x7f\\t\\\\\n"
        << "name\\x02\tv\\x1f\n";
  }
  CAF_REQUIRE_EQUAL(embedded({"items", "load", "1", file.string()}).code, 0);
  auto got = embedded({"items", "get", "1", "plain"});
  CAF_CHECK_EQUAL(got.code, 0);
  CAF_CHECK_EQUAL(got.output, "x\\x00y\\x01z\\x7f\\t\\\\\n");
  // A value with a NUL byte given on the command line cannot be, but one
  // with other control bytes can.
  CAF_REQUIRE_EQUAL(embedded({"items", "set", "1", "bell", "a\x07" "b"}).code,
                    0);
  CAF_CHECK_EQUAL(embedded({"items", "get", "1", "bell"}).output,
                  "a\\x07b\n");
  auto dump = embedded({"items", "dump", "1"});
  CAF_REQUIRE_EQUAL(dump.code, 0);
  CAF_CHECK_EQUAL(dump.output, "bell\ta\\x07b\n"
                               "name\\x02\tv\\x1f\n"
                               "plain\tx\\x00y\\x01z\\x7f\\t\\\\\n");
  CAF_CHECK_EQUAL(embedded({"items", "names", "1"}).output,
                  "bell\nname\\x02\nplain\n");
  // What dump wrote, load reads back as it was.
  {
    std::ofstream out{file};
    out << dump.output;
  }
  CAF_REQUIRE_EQUAL(embedded({"items", "load", "2", file.string()}).code, 0);
  CAF_CHECK_EQUAL(embedded({"items", "dump", "2"}).output, dump.output);
  // A broken \x escape is a bad line.
  {
    std::ofstream out{file};
    out << "a\tb\\x4\n";
  }
  CAF_CHECK_EQUAL(embedded({"items", "load", "3", file.string()}).code, 1);
}

CAF_TEST(dump_names_a_bad_row_and_prints_the_rest) {
  // Enough items that the bad rows share pages with good ones.
  CAF_REQUIRE_EQUAL(embedded({"items", "load", "1", items_file(2500)}).code, 0);
  auto raw = [&](const std::string& name, const std::string& type,
                 const std::string& bytes) {
    return embedded({"sql",
                     "INSERT INTO sasync_items (group_id, name, type, value) "
                     "VALUES (1, ?, " + type + ", " + bytes + ")",
                     name})
        .code;
  };
  // An int64 whose bytes are cut short, and a row some other program wrote
  // with a blob for its type.
  CAF_REQUIRE_EQUAL(raw("n0001000x", "'int64'", "x'01'"), 0);
  CAF_REQUIRE_EQUAL(raw("n0002000x", "x'35'", "x'00'"), 0);
  auto dump = embedded({"items", "dump", "1"});
  CAF_MESSAGE("dump said: " << dump.errors);
  CAF_CHECK_EQUAL(dump.code, 4);
  CAF_CHECK_EQUAL(lines_of(dump.output), 2500u);
  CAF_CHECK_NOT_EQUAL(dump.output.find("n0002499\tvalue 2499\n"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(dump.errors.find("item 'n0001000x'"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(dump.errors.find("item 'n0002000x'"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(dump.errors.find("2 of 2502 items could not be shown"),
                      std::string::npos);
  auto get = embedded({"items", "get", "1", "n0001000x"});
  CAF_CHECK_EQUAL(get.code, 4);
  CAF_CHECK_NOT_EQUAL(get.errors.find("n0001000x"), std::string::npos);
}

CAF_TEST(a_client_killed_mid_query_gives_its_connection_back_at_once) {
  test::daemon_process daemon{config()};
  auto file = dir / "some.tsv";
  {
    std::ofstream out{file};
    for (int i = 0; i < 2000; ++i)
      out << "n" << i << "\tv\n";
  }
  CAF_REQUIRE_EQUAL(remote(daemon.port(), {"items", "load", "1", file.string()})
                        .code,
                    0);
  auto lent = [&] {
    auto st = remote(daemon.port(), {"status"});
    auto at = st.output.find(" lent to cursors");
    auto from = st.output.rfind(' ', at - 1);
    return at == std::string::npos ? -1
                                   : std::stoi(st.output.substr(from + 1,
                                                                at - from - 1));
  };
  // Four million rows; the test reads only the header, so the client stops
  // with its cursor open, holding a connection.
  child_process client{{test::sasync_cli_path(), "--port",
                        std::to_string(daemon.port()), "sql",
                        "SELECT a.name, b.name FROM sasync_items a, "
                        "sasync_items b"}};
  CAF_REQUIRE(client.read_line(bound));
  CAF_REQUIRE_EQUAL(lent(), 1);
  client.signal(SIGKILL);
  CAF_REQUIRE(client.wait(bound));
  // Given back when the client's node goes, not after the cursor's idle
  // timeout (60 s).
  auto killed = std::chrono::steady_clock::now();
  auto deadline = killed + std::chrono::seconds(30);
  int left = lent();
  while (left != 0 && std::chrono::steady_clock::now() < deadline)
    left = lent(); // each status is a round trip; no sleep needed
  CAF_MESSAGE("connections lent before the kill: 1; "
              << std::chrono::duration<double>(
                     std::chrono::steady_clock::now() - killed)
                     .count()
              << " s after it: " << left);
  CAF_CHECK_EQUAL(left, 0);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
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

CAF_TEST(dict_contains_size_pop_and_clear_with_documented_exit_codes) {
  auto check = [](auto run) {
    CAF_CHECK_EQUAL(run({"items", "set", "40", "a", "ay"}).code, 0);
    CAF_CHECK_EQUAL(run({"items", "set", "40", "b", "bee"}).code, 0);
    auto yes = run({"dict", "contains", "40", "a"});
    CAF_CHECK_EQUAL(yes.code, 0);
    CAF_CHECK_EQUAL(yes.output, "true\n");
    auto no = run({"dict", "contains", "40", "zz"});
    CAF_CHECK_EQUAL(no.code, 3);
    CAF_CHECK_EQUAL(no.output, "false\n");
    CAF_CHECK_EQUAL(run({"dict", "size", "40"}).output, "2\n");
    auto popped = run({"dict", "pop", "40", "a"});
    CAF_CHECK_EQUAL(popped.code, 0);
    CAF_CHECK_EQUAL(popped.output, "ay\n");
    auto again = run({"dict", "pop", "40", "a"});
    CAF_CHECK_EQUAL(again.code, 3);
    CAF_CHECK_EQUAL(again.errors, "sasync: no item 'a' in group 40\n");
    // What pop removed is gone for every later client.
    CAF_CHECK_EQUAL(run({"items", "get", "40", "a"}).code, 3);
    auto cleared = run({"dict", "clear", "40"});
    CAF_CHECK_EQUAL(cleared.code, 0);
    CAF_CHECK_EQUAL(cleared.output, "1\n");
    CAF_CHECK_EQUAL(run({"items", "names", "40"}).output, "");
    CAF_CHECK_EQUAL(run({"dict", "size", "40"}).output, "0\n");
    CAF_CHECK_EQUAL(run({"dict", "size", "40", "extra"}).code, 1);
  };
  check([&](std::vector<std::string> args) { return embedded(args); });
  test::daemon_process daemon{config()};
  check([&](std::vector<std::string> args) {
    return remote(daemon.port(), args);
  });
}

CAF_TEST(items_insert_update_clear_and_prefix_names_exit_as_documented) {
  CAF_CHECK_EQUAL(embedded({"items", "insert", "3", "k", "first"}).code, 0);
  // A second insert of the name exits 6 with one line; the value stays.
  auto twice = embedded({"items", "insert", "3", "k", "second"});
  CAF_CHECK_EQUAL(twice.code, 6);
  CAF_CHECK_EQUAL(lines_of(twice.errors), 1u);
  CAF_CHECK_NOT_EQUAL(twice.errors.find("already exists"), std::string::npos);
  CAF_CHECK_EQUAL(embedded({"items", "get", "3", "k"}).output, "first\n");
  // Updating a missing name exits 3 and creates nothing.
  auto absent = embedded({"items", "update", "3", "nobody", "v"});
  CAF_CHECK_EQUAL(absent.code, 3);
  CAF_CHECK_EQUAL(absent.errors, "sasync: no item 'nobody' in group 3\n");
  CAF_CHECK_EQUAL(embedded({"items", "get", "3", "nobody"}).code, 3);
  CAF_CHECK_EQUAL(embedded({"items", "update", "3", "k", "new"}).code, 0);
  CAF_CHECK_EQUAL(embedded({"items", "get", "3", "k"}).output, "new\n");
  for (auto name : {"ka", "kb", "l"})
    CAF_CHECK_EQUAL(embedded({"items", "set", "3", name, "v"}).code, 0);
  auto prefixed = embedded({"items", "names", "3", "--prefix", "k"});
  CAF_CHECK_EQUAL(prefixed.code, 0);
  CAF_CHECK_EQUAL(prefixed.output, "k\nka\nkb\n");
  CAF_CHECK_EQUAL(embedded({"items", "names", "3", "--prefix", ""}).output,
                  "k\nka\nkb\nl\n");
  // clear prints how many names there were and leaves none.
  auto cleared = embedded({"items", "clear", "3"});
  CAF_CHECK_EQUAL(cleared.code, 0);
  CAF_CHECK_EQUAL(cleared.output, "4\n");
  CAF_CHECK_EQUAL(embedded({"items", "names", "3"}).output, "");
}

CAF_TEST(status_json_says_what_the_text_says_to_a_json_parser) {
  // A database path with a quote and a backslash: the JSON stays valid.
  auto odd = dir / "q\"uo\\te.db";
  auto url = "sqlite:///" + odd.string();
  auto quoted = run_to_end(
      {test::sasync_cli_path(), "--url", url, "status", "--json"}, bound);
  CAF_REQUIRE_EQUAL(quoted.code, 0);
  auto backend = run_to_end(
      {"/usr/bin/python3", "-c",
       "import json, sys; print(json.loads(sys.argv[1])['backend'])",
       quoted.output},
      bound);
  CAF_CHECK_EQUAL(backend.output, url + "\n");
  // An idle node answers both forms alike.
  test::daemon_process node{config()};
  CAF_REQUIRE(status_shows(node.port(), "state: running"));
  auto text = remote(node.port(), {"status"});
  auto json = remote(node.port(), {"status", "--json"});
  CAF_REQUIRE_EQUAL(text.code, 0);
  CAF_REQUIRE_EQUAL(json.code, 0);
  CAF_MESSAGE("text:\n" << text.output << "json: " << json.output);
  // Python's json module reads it; every number and word of the text form
  // is the same field there.
  static constexpr auto compare = R"(
import json, re, sys
d = json.loads(sys.argv[1])
t = dict(l.split(': ', 1) for l in sys.argv[2].splitlines())
c, q, j = d['connections'], d['queue'], d['jobs']
want = {
  'state': d['state'], 'backend': d['backend'],
  'connections': '%d (%d idle, %d lent to cursors)' % (
      c['open'], c['idle'], c['lent_to_cursors']),
  'queue': '%d waiting, %d running, capacity %d' % (
      q['waiting'], q['running'], q['capacity']),
  'jobs': '%d done, %d failed, %d refused' % (
      j['done'], j['failed'], j['refused']),
  'transactions': str(d['transactions']),
  'statements prepared': str(d['statements_prepared']),
}
if want != t:
  sys.exit('differ: %r != %r' % (want, t))
)";
  auto same = run_to_end(
      {"/usr/bin/python3", "-c", compare, json.output, text.output}, bound);
  CAF_CHECK_EQUAL(same.code, 0);
  CAF_CHECK_EQUAL(same.errors, "");
  CAF_CHECK_EQUAL(node.stop(), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
