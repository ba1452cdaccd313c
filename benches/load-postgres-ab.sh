#!/usr/bin/env bash
# Before/after throughput of two builds in one run: the load generator's `content` and
# `claim` scenarios against sled (after, then before), then in one throwaway PostgreSQL
# cluster with one node (before, after, before, after; each part a fresh database), two
# nodes (before, after) and one node with half the clients (after). The machine must be quiet: the
# figures are compared with each other, not with a target alone.
#   WARDEN_BENCH_BEFORE=/path/to/older/warden bash benches/load-postgres-ab.sh
# LOAD_SECONDS (default 10), LOAD_CLIENTS (default 16).
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=${WARDEN_BENCH_BEFORE:?set WARDEN_BENCH_BEFORE to the older warden binary}
S=${LOAD_SECONDS:-10}
C=${LOAD_CLIENTS:-16}
cargo build --release --locked --bin warden
cargo bench --locked --bench load --no-run
export WARDEN_PATTERNS_ONLY=true
run() { cargo bench --locked --bench load -- content claim --seconds "$S" "$@"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "== sled, after (load average: $(load))"; run --clients "$C"
echo "== sled, before (load average: $(load))"; WARDEN_BENCH_BIN=$BEFORE run --clients "$C"
export BEFORE S C
export -f run load
tests/with-postgres.sh bash -c '
  set -euo pipefail
  export WARDEN_BENCH_PG_URL=$WARDEN_TEST_PG_URL
  for part in before after before after; do
    echo "== PostgreSQL, one node, $part (load average: $(load))"
    if [ "$part" = before ]; then WARDEN_BENCH_BIN=$BEFORE run --clients "$C"; else run --clients "$C"; fi
  done
  echo "== PostgreSQL, two nodes, before (load average: $(load))"; WARDEN_BENCH_BIN=$BEFORE run --clients "$C" --nodes 2
  echo "== PostgreSQL, two nodes, after (load average: $(load))"; run --clients "$C" --nodes 2
  echo "== PostgreSQL, one node, after, $((C / 2)) clients (load average: $(load))"; run --clients $((C / 2))
'
