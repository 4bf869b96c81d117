#!/usr/bin/env bash
# Runs the whole test suite: builds first, runs each fuzzer for 30 s, starts
# the local PostgreSQL 15 cluster, then CTest. With --sanitize or --thread:
# every suite (all but the install check and the scale runs) in the build
# of scripts/build.sh with that option, under AddressSanitizer +
# LeakSanitizer + UndefinedBehaviorSanitizer, or ThreadSanitizer; any
# report fails the test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
case ${1:-} in
--sanitize)
  # ASan's fast unwinder on every allocation: the slow one (full stacks
  # through libraries built without frame pointers) made the suites three
  # times slower. Its stacks stop inside such libraries, so
  # tests/lsan.supp names them by module; for a full stack of a leak, run
  # again with fast_unwind_on_malloc=0.
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  ;;
--thread)
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp"
  ;;
esac
dir=$(bash scripts/build.sh "$@" | tail -n 1)
selection=()
if [[ -z ${1:-} ]]; then
  bash scripts/fuzz.sh 30 # every parser of outside input, 30 s each
else
  # The sanitizers: all but the install and package checks and the scale
  # runs of thousands of processes (their paths run under them in smaller
  # suites).
  selection=(-LE '^(install|package|scale)$')
fi
bash scripts/postgres.sh # the postgres suites need a running server
cd "$dir"
exec ctest --output-on-failure -j"$(nproc)" "${selection[@]}"
