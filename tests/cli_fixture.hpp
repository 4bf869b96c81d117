// What the suites that run the sasync CLI as a process share: a SQLite file,
// a scratch directory, the CLI run embedded or against a node, a node's
// config file and files of items to load.
#pragma once

#include "backends.hpp"
#include "child_process.hpp"
#include "program_paths.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
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

/// One line on stderr, starting with the program's name.
inline bool one_line(const std::string& errors) {
  return errors.rfind("sasync: ", 0) == 0 &&
         std::count(errors.begin(), errors.end(), '\n') == 1;
}

struct cli_fixture {
  sqlite_file where;
  scratch_dir files;
  const std::filesystem::path& dir = files.path();

  explicit cli_fixture(const std::string& name)
      : where(name), files(name + "-files") {}

  /// sasync with `args`, embedded on the fixture's database.
  run_result embedded(std::vector<std::string> args) const {
    args.insert(args.begin(), {sasync_cli_path(), "--url", where.url()});
    return run_to_end(std::move(args), cli_bound);
  }

  /// sasync with `args` against the node on `port`.
  static run_result remote(std::uint16_t port, std::vector<std::string> args) {
    return run_to_end(remote_command(port, std::move(args)), cli_bound);
  }

  /// The command line of remote(), with its --timeout in seconds: for a
  /// child_process that runs beside the test.
  static std::vector<std::string>
  remote_command(std::uint16_t port, std::vector<std::string> args,
                 const std::string& timeout = "10") {
    args.insert(args.begin(), {sasync_cli_path(), "--port",
                               std::to_string(port), "--timeout", timeout});
    return args;
  }

  /// Whether the node's `status` shows `text` within cli_bound (asked
  /// again until it does).
  static bool status_shows(std::uint16_t port, const std::string& text) {
    auto deadline = std::chrono::steady_clock::now() + cli_bound;
    while (std::chrono::steady_clock::now() < deadline) {
      if (remote(port, {"status"}).output.find(text) != std::string::npos)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  /// A file in the fixture's directory.
  std::string in_dir(const std::string& name) const {
    return (dir / name).string();
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
