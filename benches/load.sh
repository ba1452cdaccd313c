#!/usr/bin/env bash
# `make load`: the API under load on loopback, figures for BENCHMARKS.md.
#   1. POST /v1/content with wrk (Debian's `wrk`, if installed), against the release binary;
#   2. the Rust load generator (benches/load.rs): content, claim + decide, and the
#      suppression feed (`:check` with 1,000 subjects, decision -> SSE visibility).
# LOAD_SECONDS (default 20) and LOAD_CLIENTS (default 16) set the run; SUPPRESS_CLIENTS
# (default 2) the `:check` clients.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${LOAD_SECONDS:-20}
CLIENTS=${LOAD_CLIENTS:-16}
TARGET=${CARGO_TARGET_DIR:-target}
cargo build --release --locked --bin warden
cargo bench --locked --bench load --no-run

if command -v wrk >/dev/null; then
  dir=$(mktemp -d)
  admin="wdn_load_admin_key_0123456789"
  WARDEN_ADMIN_KEY=$admin WARDEN_RATE_LIMIT_PER_SECOND=0 WARDEN_LOG=warn \
    "$TARGET/release/warden" serve --bind 127.0.0.1:0 --data "$dir/data" >"$dir/out" &
  pid=$!
  trap 'kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
  until grep -q 'listening on' "$dir/out"; do sleep 0.1; done
  base=$(sed -n 's/^warden: listening on //p' "$dir/out")
  key=$(curl -sf -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d '{"role":"ingest","communities":["*"]}' "$base/v1/keys" | sed 's/.*"key":"\([^"]*\)".*/\1/')
  echo "wrk -t2 -c$CLIENTS -d${SECONDS_PER_RUN}s --latency -s benches/content.lua $base"
  WARDEN_KEY=$key wrk -t2 -c"$CLIENTS" -d"${SECONDS_PER_RUN}s" --latency -s benches/content.lua "$base"
  kill -TERM $pid; wait $pid || true
  trap - EXIT
  rm -rf "$dir"
else
  echo "wrk not installed (apt-get install wrk): skipping the wrk run"
fi

cargo bench --locked --bench load -- content claim --seconds "$SECONDS_PER_RUN" --clients "$CLIENTS"
# The suppression feed: `:check` with 1,000 subjects and decision -> stream visibility.
cargo bench --locked --bench load -- suppress --seconds "$SECONDS_PER_RUN" --clients "${SUPPRESS_CLIENTS:-2}"
