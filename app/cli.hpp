// The sasync command line: what the arguments ask for, read apart from
// running it, so that the reading can be tested and fuzzed on its own.
//
// Exit codes: 0 ok, 1 usage, 2 cannot reach node / timeout, 3 missing,
// 4 database or transaction error, 5 overloaded, 6 the name already exists
// (items insert) or a compare-and-set found another version (--if-version).
#pragma once

#include "sasync/actors/defaults.hpp"

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace sasync::cli {

struct options {
  std::string url;
  std::string host;
  std::uint16_t port = 0;
  /// --nodes: the nodes of a cluster, tried in order (connect_cluster).
  std::string nodes;
  std::chrono::milliseconds timeout{defaults::cli_timeout};
  std::int64_t group = 0;
  std::string name;
  std::string text;
  std::vector<std::string> args;
  /// sql's --bind NAME=VALUE, in order.
  std::vector<std::string> binds;
  std::int64_t x = 0, y = 0, z = 0;
  std::string file = "-";
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  std::string prefix; // items names: only names that start with it
  bool with_version = false; // items get --version: VERSION<TAB>VALUE
  /// items set/delete --if-version V: only if NAME is at version V.
  bool has_if_version = false;
  std::uint64_t if_version = 0;
  /// --niceness: the priority of every request that runs database work;
  /// none = the defaults (defaults.hpp).
  std::optional<priority> niceness;
  bool json = false; ///< status --json
};

class session;

/// What a command does once connected.
using command = void (*)(session&, const options&);

/// A command and its options.
struct invocation {
  options opts;
  command cmd = nullptr;
  /// The command may write: a timeout then says the write may still commit.
  bool writes = false;
};

/// Reads the arguments into `inv`. Returns an exit code when they end the
/// program instead of naming a command: 0 after writing the help to `out`,
/// 1 after writing one line to `err`.
std::optional<int> parse(int argc, const char* const* argv, invocation& inv,
                         std::ostream& out, std::ostream& err);

/// Connects as the options say and runs the command; returns the exit code
/// after writing one line to stderr on failure.
int run(const invocation& inv);

} // namespace sasync::cli
