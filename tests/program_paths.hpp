// Where the daemon and the CLI that the remote suites start were built.
// The paths live in one small source file, program_paths.cpp: a path
// compiled into every suite would differ in every checkout and make each
// suite miss the compiler cache.
#pragma once

namespace sasync::test {

/// sasyncd, built beside the suites.
const char* sasyncd_path();

/// The sasync CLI, built beside the suites.
const char* sasync_cli_path();

} // namespace sasync::test
