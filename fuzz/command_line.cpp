// Fuzzes the sasync CLI's reading of its arguments: the input's NUL-separated
// parts are the arguments. They either end the program with exit code 0 or 1
// or name a command to run; then the values the command would take from them
// are read as it would read them (parameters, TSV escapes, a --url), without
// connecting. Help and usage text go to a string, not the terminal.
#include "cli.hpp"
#include "cli_text.hpp"
#include "sasync/storage/engine_config.hpp"
#include "sasync/storage/storage_failure.hpp"

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<std::string> arguments_of(const std::uint8_t* data,
                                      std::size_t size) {
  std::vector<std::string> args{"sasync"};
  std::string arg;
  for (std::size_t i = 0; i < size && args.size() < 64; ++i) {
    if (data[i] == 0) {
      args.push_back(std::move(arg));
      arg.clear();
    } else {
      arg += static_cast<char>(data[i]);
    }
  }
  args.push_back(std::move(arg));
  return args;
}

void check_escape_round_trip(const std::string& text) {
  auto back = sasync::cli::unescape(sasync::cli::escape(text));
  if (!back || *back != text)
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  auto args = arguments_of(data, size);
  std::vector<const char*> argv;
  for (auto& arg : args)
    argv.push_back(arg.c_str());
  sasync::cli::invocation inv;
  std::ostringstream out, err;
  auto code = sasync::cli::parse(static_cast<int>(argv.size()), argv.data(),
                                 inv, out, err);
  if (code) {
    // Help on stdout, or one usage line on stderr; nothing else.
    if (*code == 0 ? out.str().empty() : *code != 1 || err.str().empty())
      std::abort();
    return 0;
  }
  auto& o = inv.opts;
  if (inv.cmd == nullptr || o.timeout.count() < 1)
    std::abort();
  for (auto& arg : o.args)
    (void)sasync::cli::parameter(arg);
  check_escape_round_trip(o.name);
  check_escape_round_trip(o.text);
  (void)sasync::cli::unescape(o.text);
  if (!o.url.empty()) {
    try {
      (void)sasync::engine_config::parse(o.url);
    } catch (const sasync::storage_failure&) {
    }
  }
  return 0;
}
