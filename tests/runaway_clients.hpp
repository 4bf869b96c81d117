// Runaway reads against a sasyncd node, sent by real CLI processes: each
// `sasync sql QUERY` holds a connection until run_timeout interrupts it.
#pragma once

#include "child_process.hpp"
#include "daemon_process.hpp"
#include "program_paths.hpp"

#include <caf/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace sasync::test {

using steady = std::chrono::steady_clock;

inline double seconds_since(steady::time_point t0) {
  return std::chrono::duration<double>(steady::now() - t0).count();
}

/// `n` CLI clients each running `query` on the node at `port`.
inline std::vector<std::unique_ptr<child_process>>
start_runaways(std::uint16_t port, const std::string& query, int n) {
  std::vector<std::unique_ptr<child_process>> out;
  for (int i = 0; i < n; ++i)
    out.push_back(std::make_unique<child_process>(std::vector<std::string>{
        sasync_cli_path(), "--port", std::to_string(port), "--timeout", "60",
        "sql", query}));
  return out;
}

/// Waits (bounded) until the node lends `n` connections to cursors, as its
/// status says.
inline bool await_lent(std::uint16_t port, int n,
                       std::chrono::milliseconds bound) {
  auto wanted = "connections: ";
  auto lent = " " + std::to_string(n) + " lent to cursors";
  auto deadline = steady::now() + bound;
  while (steady::now() < deadline) {
    auto st = run_to_end({sasync_cli_path(), "--port", std::to_string(port),
                          "--timeout", "10", "status"},
                         bound);
    auto line = st.output.find(wanted);
    if (line != std::string::npos &&
        st.output.find(lent, line) < st.output.find('\n', line))
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

/// What happened to a node whose read connections all ran away.
struct runaway_outcome {
  double runaways_answered = 0; ///< seconds after run_timeout
  int get_code = -1;            ///< `items get` sent meanwhile
  double get_answered = 0;      ///< seconds after it was sent
  int stop_code = -1;           ///< sasyncd's exit code after SIGTERM
  double stop_seconds = 0;      ///< SIGTERM to exit
  std::string stop_errors;
};

/// Four runaway queries; an `items get` sent while they run; then four more
/// runaways and SIGTERM. Figures are printed.
inline runaway_outcome run_runaways(daemon_process& daemon,
                                    const std::string& query,
                                    double run_timeout,
                                    std::chrono::milliseconds bound) {
  runaway_outcome out;
  auto port = daemon.port();
  // The items table exists before the readers are taken.
  CAF_REQUIRE_EQUAL(run_to_end({sasync_cli_path(), "--port",
                                std::to_string(port), "items", "names", "1"},
                               bound)
                        .code,
                    0);
  auto t0 = steady::now();
  auto runaways = start_runaways(port, query, 4);
  CAF_REQUIRE(await_lent(port, 4, bound));
  auto t1 = steady::now();
  auto get = run_to_end({sasync_cli_path(), "--port", std::to_string(port),
                         "--timeout", "30", "items", "get", "1", "a"},
                        bound);
  out.get_code = get.code;
  out.get_answered = seconds_since(t1);
  CAF_MESSAGE("items get while 4 runaways ran: exit " << get.code << " after "
                                                      << out.get_answered
                                                      << " s: " << get.errors);
  for (auto& r : runaways) {
    auto code = r->wait(bound);
    CAF_CHECK(code.has_value());
    CAF_MESSAGE("runaway client: exit " << (code ? *code : -1) << ": "
                                        << r->errors());
  }
  out.runaways_answered = seconds_since(t0) - run_timeout;
  CAF_MESSAGE("4 runaway queries answered " << out.runaways_answered
                                            << " s after run_timeout");
  // SIGTERM while four more run away.
  auto more = start_runaways(port, query, 4);
  CAF_REQUIRE(await_lent(port, 4, bound));
  auto t2 = steady::now();
  daemon.process().signal(SIGTERM);
  auto code = daemon.process().wait(bound);
  out.stop_seconds = seconds_since(t2);
  out.stop_code = code ? *code : -1;
  out.stop_errors = daemon.process().errors();
  CAF_MESSAGE("SIGTERM with 4 runaway queries: exit "
              << out.stop_code << " after " << out.stop_seconds
              << " s: " << out.stop_errors);
  for (auto& r : more)
    r->wait(bound);
  return out;
}

} // namespace sasync::test
