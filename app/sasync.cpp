// sasync: the command line (app/cli.hpp has its commands and exit codes).
#include "cli.hpp"

#include <iostream>

int main(int argc, char** argv) {
  sasync::cli::invocation inv;
  if (auto code = sasync::cli::parse(argc, argv, inv, std::cout, std::cerr))
    return *code;
  return sasync::cli::run(inv);
}
