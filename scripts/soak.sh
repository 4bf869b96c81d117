#!/usr/bin/env bash
# Soak (not part of CI): MINUTES of mixed load against one sasyncd on the
# embedded SQLite default, printing the daemon's resident memory and open
# file descriptors every INTERVAL seconds; both should stay flat.
#   bash scripts/soak.sh [--churn] [MINUTES=10] [INTERVAL=30]
# The load: sasync-bench mixed runs back to back (32 clients on one
# long-lived connection per run, a fifth of them writing). --churn adds CLI
# invocations that each connect, set, get, run SQL and disconnect again:
# with it RSS grows by about 1 KB per connection, which CAF 0.17.6 keeps for
# every node that ever connected (see README, Reliability).
set -euo pipefail
cd "$(dirname "$0")/.."
churn=false
if [[ ${1:-} == --churn ]]; then
  churn=true
  shift
fi
minutes=${1:-10}
interval=${2:-30}
dir=$PWD/$(bash scripts/build.sh | tail -n 1)
work=$(mktemp -d)
cat >"$work/sasyncd.ini" <<EOF
[sasync]
url="sqlite:///$work/soak.db"
[node]
host="127.0.0.1"
port=0
EOF
"$dir/app/sasyncd" --config-file="$work/sasyncd.ini" >"$work/out" 2>"$work/err" &
daemon=$!
loads=()
stop_loads() {
  for pid in "${loads[@]}"; do
    kill -- -"$pid" 2>/dev/null || true # the loop and what it runs
  done
  wait "${loads[@]}" 2>/dev/null || true
  loads=()
}
cleanup() {
  stop_loads
  kill "$daemon" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  grep -q '^listening on ' "$work/out" && break
  sleep 0.1
done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/out")
[[ -n $port ]] || { echo "soak: sasyncd did not start: $(cat "$work/err")" >&2; exit 1; }
with=""
$churn && with=", with CLI churn"
echo "soak: sasyncd pid $daemon on 127.0.0.1:$port, $minutes min, every $interval s$with"
set -m # each load loop in a process group of its own, to stop it whole

(
  while :; do
    if "$dir/app/sasync-bench" mixed --node="127.0.0.1:$port" --ops=20000 \
      --concurrency=32 >/dev/null 2>>"$work/bench-errors"; then
      echo x >>"$work/bench-runs"
    fi
  done
) &
loads+=($!)
cli_rounds() {
  cli=("$dir/app/sasync" --port "$port" --timeout 30)
  i=0
  while :; do
    name="n$((i % 500))"
    if "${cli[@]}" items set 2 "$name" "value-$i" &&
      "${cli[@]}" items get 2 "$name" >/dev/null &&
      "${cli[@]}" sql "SELECT count(*) FROM sasync_items" >/dev/null; then
      echo x >>"$work/cli-rounds"
    else
      echo "round $i failed" >>"$work/cli-errors"
    fi
    i=$((i + 1))
  done
}
if $churn; then
  cli_rounds &
  loads+=($!)
fi

count() { [[ -f $1 ]] && wc -l <"$1" || echo 0; }
printf '%8s %10s %6s %12s %12s %8s\n' seconds rss_kb fds bench_runs cli_rounds errors
start=$SECONDS
while :; do
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$daemon/status")
  fds=$(ls "/proc/$daemon/fd" | wc -l)
  errors=$(($(count "$work/bench-errors") + $(count "$work/cli-errors")))
  printf '%8d %10s %6s %12s %12s %8s\n' $((SECONDS - start)) "$rss" "$fds" \
    "$(count "$work/bench-runs")" "$(count "$work/cli-rounds")" "$errors"
  ((SECONDS - start >= minutes * 60)) && break
  sleep "$interval"
done
# Errors count while the load ran, not while it is being stopped.
errors=$(($(count "$work/bench-errors") + $(count "$work/cli-errors")))
stop_loads
kill -TERM "$daemon"
code=0
wait "$daemon" || code=$?
echo "soak: sasyncd exited with $code after SIGTERM"
if ((errors > 0 || code != 0)); then
  echo "soak: $errors errors; the first:" >&2
  cat "$work/bench-errors" "$work/cli-errors" 2>/dev/null | head -5 >&2
  exit 1
fi
