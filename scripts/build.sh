#!/usr/bin/env bash
# Configures and builds sasync: build/ normally, build-asan/ with --sanitize
# (AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer),
# build-tsan/ with --thread (ThreadSanitizer, against a CAF built with it).
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache hits in every clone, wherever it is: paths relative to the
# checkout, and the object not tied to the folder it was built in.
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true
dir=build
flags=()
case ${1:-} in
--sanitize)
  dir=build-asan
  flags=(-DSASYNC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
  ;;
--thread)
  dir=build-tsan
  flags=(-DSASYNC_TSAN=ON -DCMAKE_PREFIX_PATH="$(bash scripts/caf-tsan.sh)")
  ;;
esac
if [[ ! -f $dir/build.ninja ]]; then
  cmake -S . -B "$dir" -G Ninja "${flags[@]}" >&2
fi
cmake --build "$dir" -- -j"$(nproc)" >&2
echo "$dir"
