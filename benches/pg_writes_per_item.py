#!/usr/bin/env python3
"""Writes per item on PostgreSQL (the README's scale-out plan): WAL bytes, rows written
and statements per submission, per claim + decide (approve), per claim + removal with
suppression, through the API of a release `warden serve`, one operation at a time; and
per submission with CLIENTS (default 16) clients submitting at once, which the node
stores together (`moderation::coalesce`: the requests per store call are printed).

    cargo build --release --bin warden
    tests/with-postgres.sh python3 benches/pg_writes_per_item.py      # N=300 by default

It needs the throwaway cluster of tests/with-postgres.sh (it turns statement logging on
there to count statements, and reads that cluster's log). With pg_stat_statements loaded
(WARDEN_PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements tests/with-postgres.sh …")
it also lists, per operation, the statements that cost most: calls, execution time and
WAL per operation (TOP, default 12; 0 for none)."""
import json, os, subprocess, sys, time, urllib.request, tempfile, re

PG = os.environ["WARDEN_TEST_PG_URL"]
BIN = os.environ.get("BIN", "target/release/warden")
N = int(os.environ.get("N", "300"))
TOP = int(os.environ.get("TOP", "12"))
CLIENTS = int(os.environ.get("CLIENTS", "16"))
ADMIN = "wdn_load_admin_key_0123456789"

def psql(db, sql):
    return subprocess.run(["psql", f"{PG}/{db}", "-Atqc", sql], check=True, capture_output=True, text=True).stdout.strip()

psql("postgres", "CREATE DATABASE walm")
try:
    psql("walm", "CREATE EXTENSION pg_stat_statements")
    STATEMENTS = TOP > 0
except subprocess.CalledProcessError:
    STATEMENTS = False
log = sorted(__import__("glob").glob("/tmp/warden-pg.*/server.log"), key=os.path.getmtime)[-1]
d = tempfile.mkdtemp()
env = dict(os.environ, WARDEN_STORE_URL=f"{PG}/walm", WARDEN_PATTERNS_ONLY="true", WARDEN_ADMIN_KEY=ADMIN,
           WARDEN_RATE_LIMIT_PER_SECOND="0", WARDEN_LOG="warn")
p = subprocess.Popen([BIN, "serve", "--bind", "127.0.0.1:0", "--data", f"{d}/data"], env=env, stdout=subprocess.PIPE, text=True)
for line in p.stdout:
    if line.startswith("warden: listening on "):
        base = line.split()[-1]; break

def call(method, path, key, body=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as r: return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e: return e.code, None

ingest = call("POST", "/v1/keys", ADMIN, {"role": "ingest", "communities": ["*"]})[1]["key"]
mod = call("POST", "/v1/keys", ADMIN, {"role": "moderator", "communities": ["*"]})[1]["key"]
assert call("PUT", "/v1/communities/c0/policy", ADMIN, {"thresholds": {"toxicity": {"review": 0.0}}})[0] == 200
# Warm up: the author's key, the community's rows.
for i in range(5):
    call("POST", "/v1/content", ingest, {"community": "c0", "content_id": f"w{i}", "author_id": "u", "text": "you are a f*cking idiot"})
time.sleep(1.5)

def snapshot():
    lsn = psql("walm", "SELECT pg_current_wal_lsn() - '0/0'")
    rows = psql("walm", "SELECT coalesce(sum(n_tup_ins),0), coalesce(sum(n_tup_upd),0), coalesce(sum(n_tup_del),0) FROM pg_stat_user_tables")
    with open(log) as f: stmts = sum(1 for l in f if re.search(r"duration: [0-9.]+ ms  (execute|statement)", l) and "walm" not in l)
    return int(float(lsn)), [int(x) for x in rows.split("|")], None, stmts

def coalesced():
    """The submission coalescer's store calls and the requests they carried so far."""
    with urllib.request.urlopen(base + "/metrics") as r: text = r.read().decode()
    # A build before the coalescer has no such figures: 0.
    figure = lambda name: int(float((re.search(rf"^{name} (\S+)$", text, re.M) or [0, 0])[1]))
    return figure("warden_submission_store_seconds_count"), figure("warden_submission_store_requests_total")

def measure(name, op, clients=1):
    psql("postgres", "ALTER SYSTEM SET log_min_duration_statement = 0"); psql("postgres", "SELECT pg_reload_conf()")
    time.sleep(1)
    if STATEMENTS: psql("walm", "SELECT pg_stat_statements_reset()")
    a, calls = snapshot(), coalesced()
    if clients > 1:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(clients) as pool: list(pool.map(op, range(N)))
    else:
        for i in range(N): op(i)
    calls = [y - x for x, y in zip(calls, coalesced())]
    time.sleep(2.5)  # background passes (webhook worker, feed) and the statistics collector catch up
    b = snapshot()
    psql("postgres", "ALTER SYSTEM SET log_min_duration_statement = -1"); psql("postgres", "SELECT pg_reload_conf()")
    wal = (b[0] - a[0]) / N
    ins, upd, dele = [(y - x) / N for x, y in zip(a[1], b[1])]
    stmts = (b[3] - a[3]) / N
    print(f"{name:<42} WAL {wal:8.0f} B; rows inserted {ins:5.1f}, updated {upd:5.1f}, deleted {dele:5.1f}; statements {stmts:5.1f} (all sessions)")
    if calls[0]:
        print(f"    submission store calls: {calls[0]}, carrying {calls[1]} requests ({calls[1] / calls[0]:.1f} per call)")
    if STATEMENTS:
        # Per operation: calls, execution time (ms), WAL bytes; this database's statements only.
        top = psql("walm", f"SELECT round(calls::numeric / {N}, 2), round((total_exec_time / {N})::numeric, 3), "
                   f"round(wal_bytes / {N}), left(regexp_replace(query, '\\s+', ' ', 'g'), 110) FROM pg_stat_statements "
                   f"WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'walm') ORDER BY total_exec_time DESC LIMIT {TOP}")
        total = psql("walm", f"SELECT round(sum(calls)::numeric / {N}, 1), round((sum(total_exec_time) / {N})::numeric, 3), "
                     f"round(sum(wal_bytes) / {N}) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'walm')")
        print(f"    {'calls':>6} {'ms':>7} {'WAL B':>6}  statement (per operation; all: {total.replace('|', ' / ')})")
        for line in top.splitlines():
            calls, ms, walb, q = line.split("|", 3)
            print(f"    {calls:>6} {ms:>7} {walb:>6}  {q}")

measure("submission in a batch of 100 (per item)", lambda i: i % 100 == 0 and call("POST", "/v1/content:batch", ingest, {"items": [
    {"community": "c0", "content_id": f"b{i + j}", "author_id": f"u{(i + j) % 20}", "text": "you are a f*cking idiot"} for j in range(100)]}))
measure("submission (to review)", lambda i: call("POST", "/v1/content", ingest, {"community": "c0", "content_id": f"s{i}", "author_id": f"u{i % 20}", "text": "you are a f*cking idiot"}))
def submit_many(i):
    s, _ = call("POST", "/v1/content", ingest, {"community": "c0", "content_id": f"m{i}", "author_id": f"u{i % 20}", "text": "you are a f*cking idiot"})
    assert s == 201, s
measure(f"submission (to review), {CLIENTS} clients at once", submit_many, CLIENTS)
for i in range(N + 10):
    call("POST", "/v1/content", ingest, {"community": "c0", "content_id": f"f{i}", "author_id": f"u{i % 20}", "text": "you are a f*cking idiot"})
def claim_decide(action):
    def op(i):
        s, r = call("POST", "/v1/queue/claim", mod, {"limit": 1, "lease_seconds": 300})
        item = r["items"][0]["item_id"]
        s, _ = call("POST", f"/v1/items/{item}/decision", mod, {"action": action, "reason": "measure"})
        assert s == 200, s
    return op
measure("claim + decide (approve)", claim_decide("approve"))
measure("claim + decide (remove, with suppression)", claim_decide("remove"))
print("active rules:", psql("walm", "SELECT count(*) FROM rules_active"), "rule log:", psql("walm", "SELECT count(*) FROM rule_log"),
      "database size:", psql("walm", "SELECT pg_size_pretty(pg_database_size('walm'))"))
p.terminate(); p.wait()
subprocess.run(["rm", "-rf", d])
