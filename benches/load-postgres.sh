#!/usr/bin/env bash
# `make load-postgres`: the load generator's `content` and `claim` scenarios against
# sled (one node), then against PostgreSQL (a throwaway cluster, tests/with-postgres.sh)
# with one node and with two `warden serve` processes on one database (clients split
# between them), in one run, one after the other, so the figures share the machine's
# conditions (the load average is printed before each). The servers run patterns only
# (WARDEN_PATTERNS_ONLY), so the store, not the classifier, is what differs.
# LOAD_SECONDS (default 20), LOAD_CLIENTS (default 16), LOAD_NODES (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${LOAD_SECONDS:-20}
CLIENTS=${LOAD_CLIENTS:-16}
NODES=${LOAD_NODES:-2}
cargo build --release --locked --bin warden
cargo bench --locked --bench load --no-run
export WARDEN_PATTERNS_ONLY=true
echo "== sled, one node (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
cargo bench --locked --bench load -- content claim --seconds "$SECONDS_PER_RUN" --clients "$CLIENTS"
tests/with-postgres.sh bash -c '
  set -euo pipefail
  export WARDEN_BENCH_PG_URL=$WARDEN_TEST_PG_URL
  echo "== PostgreSQL, one node (load average: $(cut -d" " -f1-3 /proc/loadavg))"
  cargo bench --locked --bench load -- content claim --seconds '"$SECONDS_PER_RUN"' --clients '"$CLIENTS"'
  echo "== PostgreSQL, '"$NODES"' nodes on one database (load average: $(cut -d" " -f1-3 /proc/loadavg))"
  cargo bench --locked --bench load -- content claim --seconds '"$SECONDS_PER_RUN"' --clients '"$CLIENTS"' --nodes '"$NODES"'
'
