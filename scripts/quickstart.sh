#!/usr/bin/env bash
# Quick start: installs what is missing, builds, starts sasyncd on the
# embedded SQLite default (config/sasyncd.ini, on a free port) and runs a
# short CLI session against it, then stops the node with SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh >/dev/null
log=$(mktemp)
build/app/sasyncd --config-file=config/sasyncd.ini --node.port=0 >"$log" &
node=$!
trap 'kill $node 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do
  grep -q '^listening on' "$log" && break
  kill -0 $node 2>/dev/null || { echo "sasyncd did not start" >&2; exit 1; }
  sleep 0.1
done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$log")
echo "sasyncd: $(head -n 1 "$log")"
sasync() {
  echo "\$ sasync $*"
  build/app/sasync --port "$port" "$@"
}
sasync items set 1 greeting "hello, world"
sasync items get 1 greeting
printf 'apple\t3\nbanana\t5\ncherry\t7\n' > /tmp/sasync-fruit.tsv
sasync items load 2 /tmp/sasync-fruit.tsv
sasync items dump 2
sasync array set 3 1 2 3 "a cell"
sasync array get 3 1 2 3
sasync sql "SELECT group_id, name, type FROM sasync_items ORDER BY group_id, name"
sasync status
kill -TERM $node
wait $node && echo "sasyncd drained and stopped"
