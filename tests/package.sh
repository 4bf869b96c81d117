#!/usr/bin/env bash
# The Debian package as a user gets it: cpack -G DEB from the build, its
# Depends all Debian packages this machine has, unpacked with dpkg -x into
# a scratch root (no postinst, nothing outside the root touched), an outside
# project built against the unpacked CMake package, and the unpacked
# sasyncd and sasync run for a short session.
# Usage: package.sh SOURCE_DIR BINARY_DIR WORK_DIR GENERATOR
set -euo pipefail
src=$1 bin=$2 work=$3 generator=$4
fail() { echo "package: $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
cpack -G DEB --config "$bin/CPackConfig.cmake" -B "$work/pkg" >"$work/cpack.log" ||
  { cat "$work/cpack.log" >&2; fail "cpack failed"; }
deb=$(ls "$work"/pkg/sasync_*.deb)
echo "built $(basename "$deb"): $(du -h "$deb" | cut -f1)"

# Every dependency is met by what this (Debian 12) machine has installed,
# virtual packages included: apt would install the package alone.
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
plan=$(apt-get install -s "$deb" 2>&1) || fail "apt-get -s: $plan"
others=$(grep '^Inst ' <<<"$plan" | grep -v '^Inst sasync ' || true)
[[ -z $others ]] || fail "installing it would also install: $others"
grep -q '^Inst sasync ' <<<"$plan" || fail "apt-get -s: $plan"
for needed in libcaf-core0.17 libpqxx-6.4 libsqlite3-0 libpq5 libcaf-dev \
              libpqxx-dev libsqlitecpp-dev; do
  grep -q "\b$needed\b" <<<"$depends" || fail "Depends lacks $needed"
done

root=$work/root
dpkg -x "$deb" "$root"
for file in usr/bin/sasyncd usr/bin/sasync usr/lib/libsasync.a \
            usr/include/sasync/actors/broker.hpp \
            usr/lib/cmake/sasync/sasyncConfig.cmake \
            usr/share/sasync/sasyncd.ini usr/share/sasync/sasyncd-postgresql.ini \
            usr/lib/systemd/system/sasyncd.service; do
  [[ -e $root/$file ]] || fail "the package lacks /$file"
done

# An outside project against the unpacked package.
cmake -S "$src/tests/consumer" -B "$work/consumer" -G "$generator" \
  -DCMAKE_PREFIX_PATH="$root/usr" >"$work/consumer.log" 2>&1 ||
  { cat "$work/consumer.log" >&2; fail "the consumer does not configure"; }
grep -q "$root/usr/lib/cmake/sasync" "$work/consumer/CMakeCache.txt" ||
  fail "the consumer did not find the unpacked package"
cmake --build "$work/consumer" >>"$work/consumer.log" 2>&1 ||
  { cat "$work/consumer.log" >&2; fail "the consumer does not build"; }
"$work/consumer/consumer" || fail "the consumer failed"

# The unpacked programs: a node from the shipped config on a free port in a
# scratch directory, a write and a read through the CLI, a clean stop.
run=$work/run
mkdir -p "$run"
cd "$run"
"$root/usr/bin/sasyncd" --config-file="$root/usr/share/sasync/sasyncd.ini" \
  --check-config --node.port=0 || fail "the shipped config does not check"
coproc node { exec "$root/usr/bin/sasyncd" \
  --config-file="$root/usr/share/sasync/sasyncd.ini" --node.port=0 2>"$run/node.err"; }
pid=$node_PID
trap 'kill -9 $pid 2>/dev/null || true' EXIT
read -r -t 30 line <&"${node[0]}" || fail "sasyncd did not start: $(cat "$run/node.err")"
[[ $line == "listening on "* ]] || fail "sasyncd said: $line"
port=${line##*:}
cli=("$root/usr/bin/sasync" --port "$port" --timeout 10)
"${cli[@]}" items set 1 greeting "from the package" || fail "sasync items set"
got=$("${cli[@]}" items get 1 greeting) || fail "sasync items get"
[[ $got == "from the package" ]] || fail "read back '$got'"
"${cli[@]}" status --json | grep -q '"state": "running"' || fail "sasync status"
kill -TERM "$pid"
wait "$pid" && code=0 || code=$?
[[ $code == 0 ]] || fail "sasyncd exited $code on SIGTERM: $(cat "$run/node.err")"
[[ -s $run/sasync.db ]] || fail "no database in the working directory"
echo "package: ok"
