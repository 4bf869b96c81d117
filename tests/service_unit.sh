#!/usr/bin/env bash
# config/sasyncd.service against the shipped config and sasyncd itself:
# unprivileged, SIGTERM with a stop timeout longer than run-timeout, its
# commands accepted by the built sasyncd, and (where systemd-analyze runs)
# a unit systemd accepts. Usage: service_unit.sh SOURCE_DIR SASYNCD
set -euo pipefail
src=$1 sasyncd=$2
unit=$src/config/sasyncd.service
config=$src/config/sasyncd.ini
fail() { echo "service_unit: $*" >&2; exit 1; }
key() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }

[[ $(key DynamicUser) == yes || -n $(key User) && $(key User) != root ]] ||
  fail "the unit must run as an unprivileged user"
[[ $(key KillSignal) == SIGTERM ]] || fail "KillSignal must be SIGTERM"
run_timeout=$(sed -n 's/^run-timeout=\([0-9.]*\).*/\1/p' "$config")
stop_timeout=$(key TimeoutStopSec)
[[ -n $run_timeout && -n $stop_timeout ]] || fail "timeouts not found"
awk -v s="$stop_timeout" -v r="$run_timeout" 'BEGIN { exit !(s > r) }' ||
  fail "TimeoutStopSec=$stop_timeout is not longer than run-timeout=$run_timeout"
echo "TimeoutStopSec=$stop_timeout > run-timeout=$run_timeout"

# The unit's commands, with the built sasyncd and the shipped config: the
# check passes (the SQLite default in a scratch directory).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for line in "$(key ExecStartPre)" "$(key ExecStart)"; do
  [[ $line == /usr/bin/sasyncd\ --config-file=/etc/sasync/sasyncd.ini* ]] ||
    fail "unexpected command: $line"
done
args=$(key ExecStartPre)
args=${args#/usr/bin/sasyncd --config-file=/etc/sasync/sasyncd.ini}
(cd "$work" && "$sasyncd" --config-file="$config" --node.port=0 $args) ||
  fail "the unit's check command fails with the shipped config"

if command -v systemd-analyze >/dev/null; then
  # systemd checks the unit's syntax with the command paths pointing at
  # the build.
  sed -e "s|/usr/bin/sasyncd|$sasyncd|g" "$unit" >"$work/sasyncd.service"
  out=$(systemd-analyze verify "$work/sasyncd.service" 2>&1 || true)
  if grep -v -e 'not executable' <<<"$out" | grep -q .; then
    fail "systemd-analyze: $out"
  fi
  echo "systemd-analyze verify: accepted"
fi
echo "service_unit: ok"
