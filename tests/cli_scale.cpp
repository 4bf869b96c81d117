// The sasync command line at scale, as real processes: a million items
// loaded and dumped in constant memory at a steady rate, embedded and
// through a node, and many clients at once against one node, each request
// answered. Figures (rates, peak RSS) go to the test's output.
#define CAF_SUITE remote.cli_scale

#include "cli_fixture.hpp"
#include "daemon_process.hpp"
#include "program_paths.hpp"
#include "sanitized.hpp"

#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace sasync;

namespace {

// Sanitized programs run several times slower and keep freed memory back
// (AddressSanitizer's quarantine, ThreadSanitizer's shadow): there the suite
// runs a tenth of the items and fewer rounds, and bounds no memory.
using test::sanitized;

/// The items of the large-group tests.
constexpr int many = sanitized ? 100'000 : 1'000'000;

/// A request timeout far shorter than a load: the CLI's expired timeouts
/// must neither pile up nor slow it down. A sanitized node may take longer
/// than a second to answer one set.
constexpr const char* short_timeout = sanitized ? "5" : "1";

/// The largest peak RSS allowed to the CLI and the daemon for any group size.
constexpr long peak_bound_kb = 64 * 1024;

/// Whether `peak_kb` is within the bound, where memory is bounded.
bool within_peak_bound(long peak_kb) {
  return sanitized || peak_kb < peak_bound_kb;
}

struct fixture : test::cli_fixture {
  fixture() : cli_fixture("cli-scale") {}
};

/// A program run to its end (within `limit`) while its peak resident size,
/// and that of `also` if given, is read as it runs; stdout is counted in
/// lines, with the first and last kept.
struct watched_run {
  int code = -1;
  std::string errors;
  std::size_t lines = 0;
  std::string first_line;
  std::string last_line;
  long peak_kb = 0;
  long also_peak_kb = 0;
  double seconds = 0;
};

watched_run run_watched(std::vector<std::string> argv,
                        std::chrono::seconds limit,
                        child_process* also = nullptr) {
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + limit;
  child_process proc{std::move(argv)};
  watched_run out;
  auto sample = [&] {
    // VmHWM only grows; once the program has exited it reads 0.
    out.peak_kb = std::max(out.peak_kb, proc.memory_kb("VmHWM"));
    if (also)
      out.also_peak_kb = std::max(out.also_peak_kb, also->memory_kb("VmHWM"));
  };
  for (;;) {
    sample();
    if (auto line = proc.read_line(std::chrono::milliseconds(100))) {
      if (out.lines++ == 0)
        out.first_line = *line;
      out.last_line = std::move(*line);
      continue;
    }
    if (proc.wait(std::chrono::milliseconds(0)))
      break;
    if (std::chrono::steady_clock::now() > deadline)
      break;
  }
  auto code = proc.wait(std::chrono::milliseconds(0));
  out.code = code ? *code : -1;
  out.errors = proc.errors();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                              start)
                    .count();
  return out;
}

/// The number of lines of `text`.
std::size_t lines_of(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(cli_scale_tests, fixture)

CAF_TEST(a_million_items_load_and_dump_embedded_at_a_steady_rate_in_constant_memory) {
  constexpr int n = many;
  auto file = items_file(n);
  // A timeout far shorter than the load: the CLI's expired timeouts must
  // neither pile up nor slow it down.
  auto load =
      run_watched({test::sasync_cli_path(), "--url", where.url(), "--timeout",
                   short_timeout, "items", "load", "1", file},
                  std::chrono::seconds(120));
  CAF_MESSAGE("embedded load of " << n << " items: " << load.seconds << " s ("
                                  << static_cast<long>(n / load.seconds)
                                  << " items/s), CLI peak RSS "
                                  << load.peak_kb / 1024 << " MB");
  CAF_REQUIRE_EQUAL(load.code, 0);
  CAF_CHECK_EQUAL(load.first_line, std::to_string(n));
  CAF_CHECK(within_peak_bound(load.peak_kb));
  auto dump = run_watched({test::sasync_cli_path(), "--url", where.url(),
                           "--timeout", short_timeout, "items", "dump", "1"},
                          std::chrono::seconds(120));
  CAF_MESSAGE("embedded dump of " << n << " items: " << dump.seconds
                                  << " s, CLI peak RSS "
                                  << dump.peak_kb / 1024 << " MB");
  CAF_REQUIRE_EQUAL(dump.code, 0);
  CAF_CHECK_EQUAL(dump.lines, static_cast<std::size_t>(n));
  CAF_CHECK_EQUAL(dump.first_line, test::item_line(0));
  CAF_CHECK_EQUAL(dump.last_line, test::item_line(n - 1));
  CAF_CHECK(within_peak_bound(dump.peak_kb));
}

CAF_TEST(a_million_items_load_and_dump_through_a_node_in_constant_memory) {
  constexpr int n = many;
  auto file = items_file(n);
  test::daemon_process daemon{config()};
  auto port = std::to_string(daemon.port());
  auto load = run_watched({test::sasync_cli_path(), "--port", port, "--timeout",
                           short_timeout, "items", "load", "1", file},
                          std::chrono::seconds(120), &daemon.process());
  CAF_MESSAGE("load of " << n << " items through a node: " << load.seconds
                         << " s (" << static_cast<long>(n / load.seconds)
                         << " items/s), peak RSS: CLI " << load.peak_kb / 1024
                         << " MB, sasyncd " << load.also_peak_kb / 1024
                         << " MB");
  CAF_REQUIRE_EQUAL(load.code, 0);
  CAF_CHECK_EQUAL(load.first_line, std::to_string(n));
  CAF_CHECK(within_peak_bound(load.peak_kb));
  CAF_CHECK(within_peak_bound(load.also_peak_kb));
  auto dump = run_watched({test::sasync_cli_path(), "--port", port, "--timeout",
                           short_timeout, "items", "dump", "1"},
                          std::chrono::seconds(120), &daemon.process());
  CAF_MESSAGE("dump of " << n << " items through a node: " << dump.seconds
                         << " s, peak RSS: CLI " << dump.peak_kb / 1024
                         << " MB, sasyncd " << dump.also_peak_kb / 1024
                         << " MB");
  CAF_REQUIRE_EQUAL(dump.code, 0);
  CAF_CHECK_EQUAL(dump.lines, static_cast<std::size_t>(n));
  CAF_CHECK_EQUAL(dump.last_line, test::item_line(n - 1));
  CAF_CHECK(within_peak_bound(dump.peak_kb));
  CAF_CHECK(within_peak_bound(dump.also_peak_kb));
  auto names = run_watched({test::sasync_cli_path(), "--port", port,
                            "--timeout", short_timeout, "items", "names", "1"},
                           std::chrono::seconds(120));
  CAF_CHECK_EQUAL(names.code, 0);
  CAF_CHECK_EQUAL(names.lines, static_cast<std::size_t>(n));
  CAF_CHECK_EQUAL(names.last_line, test::item_line(n - 1).substr(0, 8));
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(every_request_of_32_concurrent_clients_is_answered) {
  constexpr int clients = 32;
  constexpr int rounds = sanitized ? 10 : 100;
  test::daemon_process daemon{config()};
  auto port = std::to_string(daemon.port());
  // Each client runs `items set` again as soon as its last one exited.
  struct client {
    std::unique_ptr<child_process> proc;
    int round = 0;
  };
  std::vector<client> running(clients);
  auto start = [&](int k) {
    auto& c = running[k];
    c.proc = std::make_unique<child_process>(std::vector<std::string>{
        test::sasync_cli_path(), "--port", port, "--timeout", "10", "items",
        "set", "1", "c" + std::to_string(k) + "-" + std::to_string(c.round),
        "v" + std::to_string(c.round)});
  };
  for (int k = 0; k < clients; ++k)
    start(k);
  int answered = 0;
  int failed = 0;
  std::string first_failure;
  auto began = std::chrono::steady_clock::now();
  auto deadline = began + std::chrono::minutes(10);
  for (int done = 0; done < clients;) {
    CAF_REQUIRE(std::chrono::steady_clock::now() < deadline);
    bool progressed = false;
    for (int k = 0; k < clients; ++k) {
      auto& c = running[k];
      if (!c.proc)
        continue;
      auto code = c.proc->wait(std::chrono::milliseconds(0));
      if (!code)
        continue;
      progressed = true;
      if (*code == 0) {
        ++answered;
      } else {
        ++failed;
        if (first_failure.empty())
          first_failure = "exit " + std::to_string(*code) + ": " +
                          c.proc->errors();
      }
      if (++c.round < rounds) {
        start(k);
      } else {
        c.proc.reset();
        ++done;
      }
    }
    // Exits have no file descriptor to poll on; the deadline bounds this.
    if (!progressed)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                               began)
                     .count();
  CAF_MESSAGE(answered << " of " << clients * rounds << " requests from "
                       << clients << " concurrent clients answered in "
                       << seconds << " s; " << failed << " failed"
                       << (first_failure.empty() ? "" : ", first: ")
                       << first_failure);
  CAF_CHECK_EQUAL(failed, 0);
  auto names = remote(daemon.port(), {"items", "names", "1"});
  CAF_REQUIRE_EQUAL(names.code, 0);
  CAF_CHECK_EQUAL(lines_of(names.output),
                  static_cast<std::size_t>(clients * rounds));
  auto last = std::to_string(rounds - 1);
  CAF_CHECK_EQUAL(remote(daemon.port(),
                         {"items", "get", "1",
                          "c" + std::to_string(clients - 1) + "-" + last})
                      .output,
                  "v" + last + "\n");
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
