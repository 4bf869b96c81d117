// Fuzzes the config file reader as sasyncd uses it: CAF's INI parser with
// sasync's options and the check of every value against its option, the
// unknown-key check, then the engine built from the
// [sasync] group. Any text is refused with an error or a storage_failure,
// never a crash or a sanitizer report.
#include "sasync/actors/system_config.hpp"
#include "sasync/storage/storage_failure.hpp"

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::istringstream ini{
      std::string(reinterpret_cast<const char*>(data), size)};
  sasync::system_config cfg;
  if (!cfg.parse_checked({}, ini).empty())
    return 0;
  if (!cfg.unknown_option().empty())
    return 0;
  try {
    (void)sasync::engine_from(cfg);
    (void)sasync::queue_capacity_from(cfg);
    (void)sasync::tls_configured(cfg);
  } catch (const sasync::storage_failure&) {
  }
  return 0;
}
