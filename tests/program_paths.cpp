#include "program_paths.hpp"

namespace sasync::test {

const char* sasyncd_path() {
  return SASYNCD_PATH;
}

const char* sasync_cli_path() {
  return SASYNC_CLI_PATH;
}

} // namespace sasync::test
