#include "bench_node.hpp"

#include <chrono>
#include <csignal>
#include <fstream>
#include <stdexcept>

#include <unistd.h>

namespace sasync::bench {

namespace {

std::filesystem::path make_dir() {
  auto tmpl =
      (std::filesystem::temp_directory_path() / "sasync-bench-XXXXXX").string();
  if (!mkdtemp(tmpl.data()))
    throw std::runtime_error("cannot make a directory for sasyncd's config");
  return tmpl;
}

/// The daemon's command: its config only says where to listen; the rest
/// comes from the benchmark's own options.
std::vector<std::string> command(const std::filesystem::path& dir,
                                 std::vector<std::string> options) {
  auto config = dir / "sasyncd.ini";
  std::ofstream{config} << "[node]\nhost=\"127.0.0.1\"\nport=0\n";
  auto self = std::filesystem::read_symlink("/proc/self/exe");
  options.insert(options.begin(), {(self.parent_path() / "sasyncd").string(),
                                   "--config-file=" + config.string()});
  return options;
}

} // namespace

local_node::local_node(std::vector<std::string> options)
    : dir_(make_dir()), proc_(command(dir_, std::move(options))) {
  auto line = proc_.read_line(std::chrono::seconds(30));
  const std::string prefix = "listening on ";
  auto colon = line ? line->rfind(':') : std::string::npos;
  if (!line || line->rfind(prefix, 0) != 0 || colon == std::string::npos) {
    proc_.wait(std::chrono::seconds(5));
    throw std::runtime_error("sasyncd did not start: " + proc_.errors());
  }
  port_ = static_cast<std::uint16_t>(std::stoi(line->substr(colon + 1)));
}

local_node::~local_node() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

double local_node::peak_rss_mb() const {
  return static_cast<double>(proc_.memory_kb("VmHWM")) / 1024.0;
}

int local_node::stop() {
  proc_.signal(SIGTERM);
  auto code = proc_.wait(std::chrono::seconds(60));
  return code ? *code : -1;
}

} // namespace sasync::bench
