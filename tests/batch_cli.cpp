// `sasync batch` against a real sasyncd process: one result a line, all or
// nothing; a failing line names its number and why, with the exit code of
// its error (6 for a conflict, 4 for the database's refusal, 1 for a line
// that is no operation), and leaves nothing of the batch behind.
#define CAF_SUITE remote.batch_cli

#include "cli_fixture.hpp"
#include "daemon_process.hpp"

#include <caf/test/unit_test.hpp>

#include <fstream>
#include <string>

using namespace sasync;

namespace {

struct fixture {
  test::cli_fixture files{"batch-cli"};
  test::daemon_process daemon{files.config()};

  run_result cli(std::vector<std::string> args) {
    return test::cli_fixture::remote(daemon.port(), std::move(args));
  }

  /// A batch file with `text` in the fixture's directory.
  std::string batch_file(const std::string& name, const std::string& text) {
    auto path = files.in_dir(name);
    std::ofstream{path} << text;
    return path;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(batch_cli, fixture)

CAF_TEST(the_cli_runs_a_batch_file_all_or_nothing) {
  CAF_REQUIRE_EQUAL(cli({"sql", "CREATE TABLE IF NOT EXISTS t (x INTEGER)"})
                        .code,
                    1); // no DDL from peers: the table comes embedded
  auto made = files.embedded({"sql", "CREATE TABLE t (x INTEGER)"});
  CAF_REQUIRE_EQUAL(made.code, 0);
  auto ok = batch_file("ok.txt", "# a comment, then an empty line\n"
                                 "\n"
                                 "items\tset\t1\ta\tone two\n"
                                 "items\tset\t1\tb\tB\t--if-version\t0\n"
                                 "array\tset\t2\t1\t-2\t3\tcell\n"
                                 "sql\tINSERT INTO t (x) VALUES (?)\t5\n"
                                 "items\tdelete\t1\tnever\n");
  auto done = cli({"batch", ok});
  CAF_CHECK_EQUAL(done.code, 0);
  CAF_CHECK_EQUAL(done.output, "1\n1\n1\n1\n0\n");
  CAF_CHECK_EQUAL(cli({"items", "get", "1", "a"}).output, "one two\n");
  CAF_CHECK_EQUAL(cli({"array", "get", "2", "1", "-2", "3"}).output,
                  "cell\n");
  // A stale version on line 3: exit 6, the line named, nothing changed.
  auto stale = batch_file("stale.txt",
                          "items\tset\t1\ta\tlost\n"
                          "sql\tINSERT INTO t (x) VALUES (?)\t6\n"
                          "items\tset\t1\tb\tlost\t--if-version\t5\n");
  auto conflict = cli({"batch", stale});
  CAF_CHECK_EQUAL(conflict.code, 6);
  CAF_CHECK(test::one_line(conflict.errors));
  CAF_MESSAGE(conflict.errors);
  CAF_CHECK_NOT_EQUAL(conflict.errors.find("line 3"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(conflict.errors.find("version 1"), std::string::npos);
  CAF_CHECK_EQUAL(conflict.output, "");
  CAF_CHECK_EQUAL(cli({"items", "get", "1", "a"}).output, "one two\n");
  CAF_CHECK_EQUAL(cli({"sql", "SELECT COUNT(*) AS n FROM t"}).output,
                  "n\n1\n");
  // The database refuses a statement: exit 4.
  auto refused = cli({"batch", batch_file("refused.txt",
                                          "items\tset\t1\ta\tlost\n"
                                          "sql\tINSERT INTO nowhere VALUES "
                                          "(1)\n")});
  CAF_MESSAGE(refused.errors);
  CAF_CHECK_EQUAL(refused.code, 4);
  CAF_CHECK_NOT_EQUAL(refused.errors.find("line 2"), std::string::npos);
  CAF_CHECK_EQUAL(cli({"items", "get", "1", "a"}).output, "one two\n");
  // Lines that are no operation: exit 1 naming the line, nothing sent.
  auto bad = cli({"batch", batch_file("bad.txt", "items\tset\t1\ta\tx\n"
                                                 "items\tput\t1\ta\tx\n")});
  CAF_CHECK_EQUAL(bad.code, 1);
  CAF_CHECK_NOT_EQUAL(bad.errors.find("line 2"), std::string::npos);
  CAF_CHECK_EQUAL(cli({"batch", batch_file("empty.txt", "# nothing\n")}).code,
                  1);
  CAF_CHECK_EQUAL(
      cli({"batch", batch_file("grp.txt", "items\tdelete\tone\ta\n")}).code,
      1);
  CAF_CHECK_EQUAL(cli({"batch", files.in_dir("no-such-file")}).code, 1);
  CAF_CHECK_EQUAL(cli({"items", "get", "1", "a"}).output, "one two\n");
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
