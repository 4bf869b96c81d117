// sasyncd as a child process of a test: started from a config file, its
// port read from the line it prints when ready.
#pragma once

#include "child_process.hpp"
#include "program_paths.hpp"

#include <caf/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sasync::test {

/// A daemon from a config file in a directory of its own.
class daemon_process {
public:
  explicit daemon_process(const std::filesystem::path& config,
                          std::vector<std::string> args = {})
      : proc_(command(config, std::move(args))) {
    auto line = proc_.read_line(std::chrono::seconds(30));
    const std::string prefix = "listening on ";
    auto colon = line ? line->rfind(':') : std::string::npos;
    if (!line || line->rfind(prefix, 0) != 0 || colon == std::string::npos)
      CAF_FAIL("sasyncd did not start: " << (line ? *line : "(no line)") << " "
                                         << proc_.errors());
    host_ = line->substr(prefix.size(), colon - prefix.size());
    port_ = static_cast<std::uint16_t>(std::stoi(line->substr(colon + 1)));
  }

  /// The address it printed.
  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }
  child_process& process() { return proc_; }

  /// SIGTERM, then the exit code (-1 if it did not exit in time).
  int stop() {
    proc_.signal(SIGTERM);
    auto code = proc_.wait(std::chrono::seconds(30));
    return code ? *code : -1;
  }

private:
  static std::vector<std::string> command(const std::filesystem::path& config,
                                          std::vector<std::string> args) {
    args.insert(args.begin(),
                {sasyncd_path(), "--config-file=" + config.string()});
    return args;
  }

  child_process proc_;
  std::string host_;
  std::uint16_t port_ = 0;
};

} // namespace sasync::test
