// Fuzzes the engine URL and option parser: any text is a config or a
// storage_failure naming the bad part, never a crash or a sanitizer report;
// what parses also displays, builds its libpq conninfo, and takes (or
// refuses) every option with any value.
#include "sasync/storage/engine_config.hpp"
#include "sasync/storage/storage_failure.hpp"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  // Up to the first newline: the URL; the rest: an option value.
  auto nl = text.find('\n');
  auto url = text.substr(0, nl);
  auto option = nl == std::string::npos ? std::string{} : text.substr(nl + 1);
  try {
    auto cfg = sasync::engine_config::parse(url);
    (void)cfg.display_url();
    for (auto name : {"pool_size", "max_overflow", "pool_timeout",
                      "run_timeout", "echo", "synchronous", "journal_mode"}) {
      try {
        cfg.set_option(name, option);
      } catch (const sasync::storage_failure&) {
      }
    }
    if (cfg.dialect == sasync::dialect_kind::postgresql)
      (void)cfg.libpq_conninfo();
  } catch (const sasync::storage_failure&) {
  }
  return 0;
}
