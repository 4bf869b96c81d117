// The CLI's --niceness: accepted on every command that sends work, embedded
// and against a node; a bad value exits 1 with one line.
#define CAF_SUITE remote.cli_niceness

#include "cli_fixture.hpp"
#include "daemon_process.hpp"

#include <caf/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace sasync;

namespace {

struct fixture : test::cli_fixture {
  fixture() : cli_fixture("cli-niceness") {}
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cli_niceness_tests, fixture)

CAF_TEST(niceness_is_accepted_by_every_command_that_sends_work) {
  using args = std::vector<std::string>;
  for (auto& [niceness, cmd, out] : std::vector<std::tuple<std::string, args, std::string>>{
           {"5", {"items", "set", "1", "a", "x"}, ""},
           {"next", {"items", "get", "1", "a"}, "x\n"},
           {"last", {"items", "names", "1"}, "a\n"},
           {"-20", {"items", "insert", "1", "b", "y"}, ""},
           {"20", {"items", "update", "1", "b", "z"}, ""},
           {"+3", {"items", "dump", "1"}, "a\tx\nb\tz\n"},
           {"0", {"array", "set", "1", "0", "0", "0", "c"}, ""},
           {"-1", {"array", "get", "1", "0", "0", "0"}, "c\n"},
           {"2", {"dict", "size", "1"}, "2\n"},
           {"next", {"sql", "SELECT COUNT(*) AS n FROM sasync_items"},
            "n\n2\n"},
           {"last", {"items", "delete", "1", "a"}, "1\n"},
       }) {
    auto full = cmd;
    full.insert(full.begin(), {"--niceness", niceness});
    auto res = embedded(full);
    CAF_MESSAGE("--niceness " << niceness << " " << cmd[0] << " " << cmd[1]
                              << ": " << res.code << " " << res.errors);
    CAF_CHECK_EQUAL(res.code, 0);
    CAF_CHECK_EQUAL(res.output, out);
  }
}

CAF_TEST(niceness_crosses_to_a_node) {
  test::daemon_process daemon{config()};
  auto set = remote(daemon.port(), {"--niceness", "next", "items", "set", "2",
                                    "k", "v"});
  CAF_CHECK_EQUAL(set.code, 0);
  auto get =
      remote(daemon.port(), {"--niceness", "-7", "items", "get", "2", "k"});
  CAF_CHECK_EQUAL(get.code, 0);
  CAF_CHECK_EQUAL(get.output, "v\n");
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(a_bad_niceness_exits_1_with_one_line) {
  for (auto bad : {"21", "-21", "first", "1.5", "", "5x", "99999999999"}) {
    auto res = embedded({"--niceness", bad, "items", "set", "1", "a", "x"});
    CAF_MESSAGE("--niceness '" << bad << "': " << res.errors);
    CAF_CHECK_EQUAL(res.code, 1);
    CAF_CHECK(test::one_line(res.errors));
    CAF_CHECK(res.errors.find("niceness") != std::string::npos);
  }
  // Nothing was written.
  auto get = embedded({"items", "get", "1", "a"});
  CAF_CHECK_EQUAL(get.code, 3);
}

CAF_TEST_FIXTURE_SCOPE_END()
