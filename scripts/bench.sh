#!/usr/bin/env bash
# Runs every benchmark at full size, one after another, and prints each
# run's figures under the command that produced them (the README's
# Performance table comes from one run of this script). Builds first and
# starts the local PostgreSQL 15 cluster. Takes a few minutes.
#   bash scripts/bench.sh [OUTPUT_FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(bash scripts/build.sh | tail -n 1)
bash scripts/postgres.sh
bench=$PWD/$dir/app/sasync-bench
pg=postgresql://sasync:sasync@127.0.0.1:5432/sasync_bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${1:-/dev/stdout}

run() {
  echo "\$ sasync-bench $*"
  (cd "$work" && "$bench" "$@")
  echo
}

{
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo)," \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  run set --ops=100000
  run set --ops=200000 --sasync.synchronous=NORMAL
  run get --ops=200000
  run get --ops=20000 --concurrency=1
  run mixed --ops=100000
  run set --ops=100000 --remote
  run get --ops=100000 --remote
  run scan --rows=10000000
  run set "$pg" --ops=100000
  run set "$pg" --ops=100000 --sasync.pool-size=2 --sasync.max-overflow=0
  run get "$pg" --ops=100000 --sasync.pool-size=2 --sasync.max-overflow=0
  run get "$pg" --ops=20000 --concurrency=1
  run mixed "$pg" --ops=100000 --sasync.pool-size=2 --sasync.max-overflow=0
  run set "$pg" --ops=100000 --sasync.pool-size=2 --sasync.max-overflow=0 \
    --remote
  run get "$pg" --ops=100000 --sasync.pool-size=2 --sasync.max-overflow=0 \
    --remote
  run scan "$pg" --rows=10000000
  for op in set get; do
    for n in 1 2 3; do
      run "$op" "$pg" --ops=10000 --cluster=$n --sasync.pool-size=2 \
        --sasync.max-overflow=0
    done
  done
} | tee "$out"
