#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL cluster, which the command finds in
# WARDEN_TEST_PG_URL (postgres://warden@127.0.0.1:PORT, a superuser, so tests can make a
# database each). The cluster is initdb'd into a temporary directory owned by the
# unprivileged `postgres` user when we are root (the server refuses to run as root),
# listens on a free loopback port with its socket in that directory, and is stopped and
# deleted when the command ends, however it ends.
#
# fsync is off: the cluster is thrown away, and the tests check Warden's transactions
# and ordering, not the disk. Warden itself still commits with synchronous_commit = on.
#
# WARDEN_PG_OPTIONS adds server options (e.g. "-c shared_preload_libraries=pg_stat_statements"
# for benches/pg_writes_per_item.py's per-statement figures).
#
#   tests/with-postgres.sh cargo test --test main store::postgres
set -euo pipefail

pgbin=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ ! -x "$pgbin/initdb" ]; then
    echo "initdb not found: install Debian's postgresql package (make test does)" >&2
    exit 1
fi
dir=$(mktemp -d /tmp/warden-pg.XXXXXX)
runas=()
if [ "$(id -u)" = 0 ]; then
    runas=(runuser -u postgres --)
    chown postgres "$dir"
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
    "${runas[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT INT TERM

"${runas[@]}" "$pgbin/initdb" -D "$dir/data" -U warden --auth=trust -E UTF8 >/dev/null
"${runas[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
    "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=400 ${WARDEN_PG_OPTIONS:-}" \
    start >/dev/null
echo "throwaway PostgreSQL on 127.0.0.1:$port ($dir)" >&2
export WARDEN_TEST_PG_URL="postgres://warden@127.0.0.1:$port"
"$@"
