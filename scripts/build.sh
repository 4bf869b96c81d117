#!/usr/bin/env bash
# Configures and builds sasync: build/ normally, build-asan/ with --sanitize.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build
flags=()
if [[ ${1:-} == --sanitize ]]; then
  dir=build-asan
  flags=(-DSASYNC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
fi
if [[ ! -f $dir/build.ninja ]]; then
  cmake -S . -B "$dir" -G Ninja "${flags[@]}" >&2
fi
cmake --build "$dir" -- -j"$(nproc)" >&2
echo "$dir"
