#!/usr/bin/env bash
# Starts the local PostgreSQL 15 cluster and creates the role and database
# the postgres suites use (SASYNC_PG_URL, default below). Idempotent.
set -euo pipefail
if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 *main'; then
  pg_createcluster 15 main >/dev/null
fi
# Only the standard descriptors reach the server: one inherited (a lock a
# test runner holds) would stay held for as long as the server runs.
for fd in $(ls /proc/$$/fd); do
  ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null || true
done
pg_ctlcluster 15 main start 2>/dev/null || true
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL did not start" >&2; exit 1; }
as_postgres() { (cd / && runuser -u postgres -- "$@"); }
as_postgres psql -qtAX -c "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sasync') THEN
    CREATE ROLE sasync LOGIN PASSWORD 'sasync';
  END IF; END \$\$;" >/dev/null
# sasync_test for the suites; sasync_bench for the benchmarks, which drop
# their tables first.
for db in sasync_test sasync_bench; do
  if [[ -z $(as_postgres psql -qtAX -c "SELECT 1 FROM pg_database WHERE datname = '$db'") ]]; then
    as_postgres createdb -O sasync "$db"
  fi
done
# A role whose password appears nowhere else, for the test that no password
# reaches sasyncd's log; its tables go to a schema of its own.
as_postgres psql -qtAX -d sasync_test -c "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sasync_log') THEN
    CREATE ROLE sasync_log LOGIN PASSWORD 'pw-3f9c1e7a';
  END IF; END \$\$;
  CREATE SCHEMA IF NOT EXISTS sasync_log AUTHORIZATION sasync_log;" >/dev/null
