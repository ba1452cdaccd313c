// What the console's browser tests share: the real `warden serve` on a free loopback port
// over a fresh data directory, the API calls that set up a community with items waiting
// for review, and the clean-up that always runs. `console.mjs` (Chromium, playwright-core)
// and `firefox.mjs` (Firefox ESR, WebDriver) differ only in how they drive the browser.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.WARDEN_BIN || join(ROOT, 'target/debug/warden');
export const OUT = process.env.E2E_OUT || join(ROOT, 'target/e2e');
export const ADMIN = 'wdn_e2e_admin_key_0123456789';
export const COMMUNITY = 'e2e';
export const AUTHOR = 'e2e-author';
// Profanity and an insult (held for review by the policy below), and an email address.
export const TEXT = (n) => `you are a f*cking idiot, write to person${n}@example.com`;
export const STEP_TIMEOUT = 15000;

// Under this policy the text above always waits for a person: profanity goes to review
// from 0.35 and every removal is mapped to review (as in tests/api/mod.rs).
const DEFAULT = { review: 0.6, remove: 0.9 };
export const HOLD_POLICY = {
  thresholds: {
    toxicity: DEFAULT,
    profanity: { review: 0.35, remove: 0.9 },
    sexual: DEFAULT,
    insult: DEFAULT,
    identity_attack: DEFAULT,
    threat: DEFAULT,
    self_harm: { review: 0.6 },
  },
  actions: { remove: 'review' },
};

const started = Date.now();

/** Steps run at the end, newest first, whatever happened. */
export const cleanup = [];

/** A progress line, prefixed with the test's name and the time since it started. */
export function logger(name) {
  return (message) => console.log(`${name} [${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

export function elapsed() {
  return ((Date.now() - started) / 1000).toFixed(1);
}

export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/** Runs the clean-up steps; a failing step does not stop the others. */
export async function cleanUp() {
  for (const step of cleanup.reverse()) {
    try {
      await step();
    } catch {
      // Best effort: the process is ending.
    }
  }
  cleanup.length = 0;
}

/** Stops `child` at the end: SIGTERM, then SIGKILL after 5 s. */
export function track(child) {
  cleanup.push(() => new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(kill); done(); });
    child.kill('SIGTERM');
  }));
}

/** Starts `warden serve` on 127.0.0.1:0 over a fresh data directory; returns its base URL. */
export async function startServer() {
  const data = mkdtempSync(join(tmpdir(), 'warden-e2e-data-'));
  cleanup.push(() => rmSync(data, { recursive: true, force: true }));
  const child = spawn(BIN, ['serve', '--bind', '127.0.0.1:0', '--data', data], {
    // Queue samples every second, so the dashboard's ages over time have points to draw.
    env: { ...process.env, WARDEN_ADMIN_KEY: ADMIN, WARDEN_LOG: 'warn', WARDEN_QUEUE_SAMPLE_SECONDS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  track(child);
  return new Promise((resolveBase, reject) => {
    const timer = setTimeout(() => reject(new Error(`warden serve did not start in 60 s: ${stderr}`)), 60000);
    child.once('exit', (code) => reject(new Error(`warden serve exited (${code}): ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = line.match(/^warden: listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolveBase(m[1]);
      }
    });
  });
}

/** One API call with a key: `{status, body}` (the body parsed as JSON when there is one). */
export async function call(base, method, path, key, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${key}`,
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A new key for the test community; returns the secret. */
export async function createKey(base, role, name) {
  const r = await call(base, 'POST', '/v1/keys', ADMIN, { role, communities: [COMMUNITY], name });
  check(r.status === 201, `create ${role} key: ${JSON.stringify(r)}`);
  return r.body.key;
}

/**
 * Puts the hold policy on the test community and submits `count` items (`post-1`, …) that
 * land in its review queue; returns their item ids.
 */
export async function submitHeld(base, ingest, count) {
  const p = await call(base, 'PUT', `/v1/communities/${COMMUNITY}/policy`, ADMIN, HOLD_POLICY);
  check(p.status === 200, `hold policy: ${JSON.stringify(p)}`);
  const items = [];
  for (let n = 1; n <= count; n++) {
    const r = await call(base, 'POST', '/v1/content', ingest, {
      community: COMMUNITY, content_id: `post-${n}`, author_id: AUTHOR, text: TEXT(n),
    });
    check(r.status === 201 && r.body.queue === 'review', `submit post-${n}: ${JSON.stringify(r)}`);
    items.push(r.body.item_id);
  }
  return items;
}
