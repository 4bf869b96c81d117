// Compare-and-set from many processes: 8 `sasync` CLI processes at a time
// against one sasyncd, each adding 1 to one counter 25 times with a read
// (`items get --version`) and a compare-and-set (`items set --if-version`),
// reading again after each conflict (exit 6). No update may be lost: the
// counter ends at exactly 200, on a SQLite daemon and on a PostgreSQL
// daemon. The time each took and the conflicts retried go to the output.
#define CAF_SUITE remote.versions_cli

#include "sasync/storage/connection.hpp"
#include "sasync/storage/engine_config.hpp"

#include "cli_fixture.hpp"
#include "daemon_process.hpp"
#include "sanitized.hpp"

#include <caf/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <future>
#include <string>
#include <vector>

using namespace sasync;

namespace {

constexpr int rounds = test::sanitized ? 10 : 25;
constexpr int clients = 8;

/// How long the clients together may go without an increment: a hang, not
/// a slow machine (a CLI run took 10 ms on one day and 80 ms on another,
/// and conflicts make the number of runs vary), fails the test.
constexpr auto stall_limit = std::chrono::seconds(60);

/// When any client last made an increment, shared by the clients.
class progress_clock {
public:
  progress_clock() { note(); }

  void note() { last_.store(now_ticks()); }

  bool stalled() const {
    return now_ticks() - last_.load() >
           std::chrono::duration_cast<std::chrono::steady_clock::duration>(
               stall_limit)
               .count();
  }

private:
  static std::int64_t now_ticks() {
    return std::chrono::steady_clock::now().time_since_epoch().count();
  }

  std::atomic<std::int64_t> last_;
};

/// What one client did: its increments, the conflicts it retried, or the
/// first failure.
struct client_report {
  int increments = 0;
  int conflicts = 0;
  std::string failure;
};

/// Adds 1 to counter `name` of group 1 `rounds` times through the CLI.
client_report increment(std::uint16_t port, const std::string& name,
                        progress_clock& progress) {
  client_report out;
  auto cli = [&](std::vector<std::string> args) {
    return test::cli_fixture::remote(port, std::move(args));
  };
  while (out.increments < rounds) {
    if (progress.stalled()) {
      out.failure = "no client made an increment for 60 s";
      return out;
    }
    auto read = cli({"items", "get", "1", name, "--version"});
    std::string version = "0";
    long long value = 0;
    if (read.code == 0) {
      auto tab = read.output.find('\t');
      version = read.output.substr(0, tab);
      value = std::stoll(read.output.substr(tab + 1));
    } else if (read.code != 3) {
      out.failure = "get: exit " + std::to_string(read.code) + ": " +
                    read.errors;
      return out;
    }
    auto written = cli({"items", "set", "1", name, std::to_string(value + 1),
                        "--if-version", version});
    if (written.code == 0) {
      ++out.increments;
      progress.note();
    } else if (written.code == 6) {
      ++out.conflicts;
    } else {
      out.failure = "set: exit " + std::to_string(written.code) + ": " +
                    written.errors;
      return out;
    }
  }
  return out;
}

/// Runs the clients against the daemon of `config` and checks the counter.
void count_together(const std::filesystem::path& config, const char* backend) {
  test::daemon_process daemon{config};
  auto began = std::chrono::steady_clock::now();
  progress_clock progress;
  std::vector<std::future<client_report>> running;
  for (int i = 0; i < clients; ++i)
    running.push_back(std::async(std::launch::async, increment, daemon.port(),
                                 "counter", std::ref(progress)));
  int increments = 0;
  int conflicts = 0;
  for (auto& r : running) {
    auto report = r.get();
    if (!report.failure.empty())
      CAF_FAIL(backend << ": a client failed: " << report.failure);
    increments += report.increments;
    conflicts += report.conflicts;
  }
  auto seconds = std::chrono::duration<double>(
                     std::chrono::steady_clock::now() - began)
                     .count();
  CAF_MESSAGE(backend << ": " << clients << " CLI clients x " << rounds
                      << " increments in " << seconds << " s; " << conflicts
                      << " conflicts retried, "
                      << 2 * (increments + conflicts) << " CLI runs");
  CAF_CHECK_EQUAL(increments, clients * rounds);
  auto final_value = test::cli_fixture::remote(
      daemon.port(), {"items", "get", "1", "counter", "--version"});
  CAF_CHECK_EQUAL(final_value.output, std::to_string(clients * rounds) + "\t" +
                                          std::to_string(clients * rounds) +
                                          "\n");
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

/// A schema of the suite's own on the PostgreSQL test database, so the
/// counter meets no other suite's rows; dropped before and after.
class postgresql_schema {
public:
  postgresql_schema() { reset(); }
  ~postgresql_schema() { reset(); }

  static std::string url() {
    return test::postgresql_url() + "?options=-csearch_path%3D" + name;
  }

private:
  static constexpr const char* name = "sasync_versions_cli";

  static void reset() {
    auto conn = open_connection(engine_config::parse(test::postgresql_url()),
                                access_mode::write);
    conn->execute_script(std::string{"DROP SCHEMA IF EXISTS "} + name +
                         " CASCADE; CREATE SCHEMA " + name);
  }
};

} // namespace

CAF_TEST(eight_cli_processes_lose_no_increment_on_a_sqlite_daemon) {
  test::cli_fixture files{"versions-cli"};
  count_together(files.config(), "SQLite");
}

CAF_TEST(eight_cli_processes_lose_no_increment_on_a_postgresql_daemon) {
  test::cli_fixture files{"versions-cli-pg"};
  postgresql_schema schema;
  auto config = files.dir / "sasyncd-postgresql.ini";
  {
    std::ofstream out{config};
    out << "[sasync]\nurl=\"" << schema.url() << "\"\n[node]\nport=0\n";
  }
  count_together(config, "PostgreSQL");
}
