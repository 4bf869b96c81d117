// sasync: the command line (app/cli.hpp has its commands and exit codes).
#include "cli.hpp"

#include "sasync/storage/event_log.hpp"

#include <iostream>

int main(int argc, char** argv) {
  // The CLI says what went wrong in its own one line; the library's
  // operator log (a lost connection, ...) would be a second one.
  sasync::configure_event_log({sasync::log_level::error, {}, {}});
  sasync::cli::invocation inv;
  if (auto code = sasync::cli::parse(argc, argv, inv, std::cout, std::cerr))
    return *code;
  return sasync::cli::run(inv);
}
