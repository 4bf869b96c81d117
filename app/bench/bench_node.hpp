// sasync-bench --remote: a sasyncd next to the benchmark, on a free
// loopback port, serving the same database with the same options.
#pragma once

#include "bench_report.hpp"
#include "child_process.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sasync::bench {

class local_node {
public:
  /// Starts the sasyncd beside this program with `options` (--group.key=...
  /// lines, as on its command line); throws if it does not come up.
  explicit local_node(std::vector<std::string> options);
  ~local_node();

  std::uint16_t port() const noexcept { return port_; }

  /// The daemon's peak resident set so far, in MB.
  double peak_rss_mb() const;

  /// CPU time and context switches the daemon has used so far.
  process_usage usage() const { return usage_of(proc_.pid()); }

  /// SIGTERM, then its exit code (-1 if it did not exit in time).
  int stop();

private:
  std::filesystem::path dir_;
  child_process proc_;
  std::uint16_t port_ = 0;
};

} // namespace sasync::bench
