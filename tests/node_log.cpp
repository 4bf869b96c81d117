// sasyncd's log as an operator reads it, from a real node on PostgreSQL:
// the events are there, in the file the config names, and no password,
// parameter value or literal is. The node logs in as sasync_log, a role
// whose password appears nowhere else (scripts/postgres.sh).
#define CAF_SUITE remote.node_log

#include "sasync/storage/connection.hpp"
#include "sasync/storage/engine_config.hpp"

#include "backends.hpp"
#include "cli_fixture.hpp"
#include "daemon_process.hpp"
#include "program_paths.hpp"

#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

using namespace sasync;

namespace {

constexpr auto password = "pw-3f9c1e7a";
constexpr auto bound = std::chrono::seconds(30);

const std::string url = std::string{"postgresql://sasync_log:"} + password +
                        "@127.0.0.1:5432/sasync_test";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in{path};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct fixture : test::cli_fixture {
  fixture() : cli_fixture("node-log") {}

  std::filesystem::path log_path = dir / "sasyncd.log";

  std::filesystem::path node_config(const std::string& log) {
    auto path = dir / "logged.ini";
    std::ofstream out{path};
    out << "[sasync]\nurl=\"" << url << "\"\npool-size=1\nmax-overflow=0\n"
        << "[node]\nport=0\n[log]\n"
        << log;
    return path;
  }

  bool log_shows(const std::string& text) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < deadline) {
      if (read_file(log_path).find(text) != std::string::npos)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(node_log_tests, fixture)

CAF_TEST(the_log_has_the_events_and_no_password_value_or_literal) {
  test::daemon_process node{node_config(
      "level=\"debug\"\nfile=\"" + log_path.string() +
      "\"\nslow-statement-ms=1\n")};
  auto port = node.port();
  auto admin = open_connection(engine_config::parse(url), access_mode::write);
  admin->execute_script("DROP TABLE IF EXISTS log_probe; "
                        "CREATE TABLE log_probe (v text)");
  CAF_CHECK_EQUAL(
      remote(port, {"sql", "INSERT INTO log_probe SELECT ?::text FROM "
                           "pg_sleep(0.05)",
                    "value-7c1d"})
          .code,
      0);
  CAF_CHECK_EQUAL(
      remote(port, {"sql", "INSERT INTO log_probe SELECT 'literal-5e02' FROM "
                           "pg_sleep(0.05)"})
          .code,
      0);
  CAF_CHECK_EQUAL(remote(port, {"items", "set", "1", "k", "item-value-a94b"})
                      .code,
                  0);
  // The node's connection, cut by the server: lost, then regained by the
  // next request.
  admin->execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                 "WHERE usename = 'sasync_log' AND pid <> pg_backend_pid()");
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (remote(port, {"items", "get", "1", "k"}).code != 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CAF_CHECK(log_shows("regained"));
  CAF_CHECK_EQUAL(node.stop(), 0);
  auto log = read_file(log_path);
  CAF_MESSAGE("the log:\n" << log);
  for (auto event : {"info listening on 127.0.0.1:",
                     "; database postgresql://sasync_log:***@", "warning slow statement (",
                     "INSERT INTO log_probe SELECT ?::text FROM pg_sleep(0.05)",
                     "INSERT INTO log_probe SELECT '?' FROM pg_sleep(0.05)", "lost: ",
                     "info connection to postgresql://sasync_log:",
                     " regained", "info SIGTERM: draining",
                     "info drained; stopped"})
    if (log.find(event) == std::string::npos)
      CAF_ERROR("the log lacks '" << event << "'");
  for (auto secret : {password, "value-7c1d", "literal-5e02", "item-value-a94b"})
    if (log.find(secret) != std::string::npos)
      CAF_ERROR("the log shows '" << secret << "'");
  // stderr has none of it: the log went to the file.
  CAF_CHECK_EQUAL(node.process().errors().find("listening"), std::string::npos);
}

CAF_TEST(bad_log_settings_exit_1_with_one_line) {
  // A log file under a plain file: its directory cannot be made.
  auto blocker = dir / "plain-file";
  std::ofstream{blocker} << "not a directory";
  auto unopenable = (blocker / "x.log").string();
  for (auto& [log, says] : std::vector<std::pair<std::string, std::string>>{
           {"level=\"loud\"\n", "log.level must be"},
           {"slow-statement-ms=-5\n", "log.slow-statement-ms"},
           {"file=\"" + unopenable + "\"\n", unopenable},
       }) {
    auto run = run_to_end(
        {test::sasyncd_path(), "--config-file=" + node_config(log).string()},
        bound);
    CAF_MESSAGE(log << " -> " << run.code << " " << run.errors);
    CAF_CHECK_EQUAL(run.code, 1);
    CAF_CHECK_NOT_EQUAL(run.errors.find(says), std::string::npos);
    CAF_CHECK_EQUAL(std::count(run.errors.begin(), run.errors.end(), '\n'), 1);
  }
}

CAF_TEST_FIXTURE_SCOPE_END()
