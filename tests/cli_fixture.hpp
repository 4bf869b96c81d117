// What the suites that run the sasync CLI as a process share: a SQLite file,
// a scratch directory, the CLI run embedded or against a node, a node's
// config file and files of items to load.
#pragma once

#include "backends.hpp"
#include "child_process.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace sasync::test {

/// How long one CLI run may take.
constexpr auto cli_bound = std::chrono::seconds(60);

/// The line of item `i` in cli_fixture::items_file() (without the newline).
inline std::string item_line(int i) {
  char line[64];
  auto len = std::snprintf(line, sizeof line, "n%07d\tvalue %d", i, i);
  return {line, static_cast<std::size_t>(len)};
}

struct cli_fixture {
  sqlite_file where;
  scratch_dir files;
  const std::filesystem::path& dir = files.path();

  explicit cli_fixture(const std::string& name)
      : where(name), files(name + "-files") {}

  /// sasync with `args`, embedded on the fixture's database.
  run_result embedded(std::vector<std::string> args) const {
    args.insert(args.begin(), {SASYNC_CLI_PATH, "--url", where.url()});
    return run_to_end(std::move(args), cli_bound);
  }

  /// sasync with `args` against the node on `port`.
  static run_result remote(std::uint16_t port, std::vector<std::string> args) {
    args.insert(args.begin(), {SASYNC_CLI_PATH, "--port", std::to_string(port),
                               "--timeout", "10"});
    return run_to_end(std::move(args), cli_bound);
  }

  /// A node's config file on the fixture's database, on a free port.
  std::filesystem::path config() const {
    auto path = dir / "sasyncd.ini";
    std::ofstream out{path};
    out << "[sasync]\nurl=\"" << where.url() << "\"\n[node]\nport=0\n";
    return path;
  }

  /// A file of `n` item_line()s, names in sorted order.
  std::string items_file(int n, const std::string& file = "many.tsv") const {
    auto path = dir / file;
    std::ofstream out{path};
    for (int i = 0; i < n; ++i)
      out << item_line(i) << '\n';
    return path.string();
  }
};

} // namespace sasync::test
