#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, with AddressSanitizer and
# UndefinedBehaviorSanitizer) into build-fuzz/ and runs each for SECONDS
# from its seed corpus in fuzz/corpus/NAME; new inputs go to a scratch copy,
# never into the repository. Fails on any crash, hang (10 s) or sanitizer
# report, naming the input that caused it; a fuzzer runs on each core.
#   bash scripts/fuzz.sh [SECONDS=30]
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache hits in every clone, wherever it is: paths relative to the
# checkout, and the object not tied to the folder it was built in.
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true
seconds=${1:-30}
dir=build-fuzz
if [[ ! -f $dir/build.ninja ]]; then
  CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DSASYNC_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
fi
cmake --build "$dir" -- -j"$(nproc)" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# One fuzzer: its figures when it passes; when it fails, the end of its
# log and its crashing inputs, copied out of the scratch space.
fuzz_one() {
  local name=$1 corpus=fuzz/corpus/$1/
  mkdir -p "$work/$name" "$work/$name-crashes"
  echo "fuzz: $name for ${seconds} s"
  if ! "$dir/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/$name-crashes/" "$work/$name" "$corpus" \
    >"$work/$name.log" 2>&1; then
    tail -n 40 "$work/$name.log" >&2
    for input in "$work/$name-crashes"/*; do
      [[ -e $input ]] || continue
      mkdir -p "$dir/crashes"
      cp "$input" "$dir/crashes/"
      echo "fuzz: $name failed on $dir/crashes/$(basename "$input")" >&2
    done
    return 1
  fi
  grep -E '^stat::number_of_executed_units' "$work/$name.log" |
    sed "s/^/fuzz: $name: /"
}
# A fuzzer uses one core: as many run at once as there are cores. Each
# one's status is collected at the end, so every failure is reported.
pids=()
for corpus in fuzz/corpus/*/; do
  while (($(jobs -rp | wc -l) >= $(nproc))); do
    sleep 1
  done
  fuzz_one "$(basename "$corpus")" &
  pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do
  wait "$pid" || failed=1
done
exit "$failed"
