#!/usr/bin/env bash
# `make load-postgres`: the load generator's `content` and `claim` scenarios against
# sled and against PostgreSQL (a throwaway cluster, tests/with-postgres.sh) in one run,
# one after the other, so the two sets of figures share the machine's conditions.
# The server runs patterns only (WARDEN_PATTERNS_ONLY), so the store, not the
# classifier, is what differs. LOAD_SECONDS (default 20), LOAD_CLIENTS (default 16).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${LOAD_SECONDS:-20}
CLIENTS=${LOAD_CLIENTS:-16}
cargo build --release --locked --bin warden
cargo bench --locked --bench load --no-run
export WARDEN_PATTERNS_ONLY=true
echo "== sled"
cargo bench --locked --bench load -- content claim --seconds "$SECONDS_PER_RUN" --clients "$CLIENTS"
echo "== PostgreSQL"
tests/with-postgres.sh bash -c 'WARDEN_BENCH_PG_URL=$WARDEN_TEST_PG_URL cargo bench --locked --bench load -- content claim --seconds '"$SECONDS_PER_RUN"' --clients '"$CLIENTS"
