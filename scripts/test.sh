#!/usr/bin/env bash
# Runs the whole test suite (builds first, runs each fuzzer for 30 s and
# starts the local PostgreSQL 15 cluster). With --sanitize: the unit and
# SQLite suites under AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
labels=()
if [[ ${1:-} == --sanitize ]]; then
  labels=(-L '^(unit|sqlite)$')
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
dir=$(bash scripts/build.sh "$@" | tail -n 1)
if [[ ${1:-} != --sanitize ]]; then
  bash scripts/fuzz.sh 30  # every parser of outside input, 30 s each
  bash scripts/postgres.sh # the postgres suites need a running server
fi
cd "$dir"
exec ctest --output-on-failure -j"$(nproc)" "${labels[@]}"
