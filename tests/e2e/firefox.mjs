// The moderator console in Firefox: the real `warden serve` binary on a free loopback
// port over a fresh data directory, driven in Debian's Firefox ESR (headless) through
// geckodriver's W3C WebDriver HTTP API. Playwright cannot drive a stock Firefox, so this
// speaks WebDriver itself with `fetch`: no npm packages.
//
//   WARDEN_BIN=target/debug/warden GECKODRIVER=.tools/geckodriver-0.37.1/bin/geckodriver \
//     node tests/e2e/firefox.mjs
//
// It signs in, picks the community and queue, claims, checks a removal without a reason
// is refused, removes with one, sees the item leave the queue and the history show the
// decision, checks the item text renders with its highlights (the stylesheet and the
// script loaded under the console's CSP), that no script error or CSP violation was
// reported, and that nothing overflows in Firefox's narrowest window (450 px). Screenshots go to
// target/e2e/firefox-*.png. Exits non-zero on the first failure. `make e2e-firefox`.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  ADMIN, COMMUNITY, OUT, ROOT, STEP_TIMEOUT, call, check, cleanUp, cleanup, createKey, elapsed,
  logger, startServer, submitHeld, track,
} from './harness.mjs';

const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
const GECKODRIVER = process.env.GECKODRIVER || join(ROOT, '.tools/geckodriver-0.37.1/bin/geckodriver');
const REASON = 'Harassment of another member (firefox e2e)';
const log = logger('e2e-firefox');

// A quiet Firefox: no update checks, telemetry, safe-browsing lists, captive-portal or
// connectivity probes, remote settings or first-run pages (the machine may be offline,
// and the test must not wait on any of them).
const PREFS = {
  'app.update.enabled': false,
  'app.update.auto': false,
  'app.normandy.enabled': false,
  'app.shield.optoutstudies.enabled': false,
  'browser.aboutwelcome.enabled': false,
  'browser.newtabpage.enabled': false,
  'browser.startup.homepage': 'about:blank',
  'browser.startup.page': 0,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'browser.search.update': false,
  'browser.ping-centre.telemetry': false,
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.server': '',
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.blocklist.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.http.speculative-parallel-limit': 0,
  'services.settings.server': 'http://127.0.0.1:9/',
  'dom.push.enabled': false,
  'media.gmp-manager.updateEnabled': false,
  'geo.enabled': false,
  // Console messages (console.error among them) also go to Firefox's stdout.
  'devtools.console.stdout.content': true,
};

let driverLog = '';

async function setUp(base) {
  const moderator = await createKey(base, 'moderator', 'E2E moderator');
  const ingest = await createKey(base, 'ingest', 'E2E platform');
  await submitHeld(base, ingest, 2);
  return { moderator };
}

// ---- geckodriver and the WebDriver protocol --------------------------------------

async function freePort() {
  return new Promise((done, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

async function startDriver() {
  // geckodriver writes Firefox's fresh profile under TMPDIR: keep it in a folder of our
  // own, removed at the end even if geckodriver is killed before it cleans up.
  const temp = mkdtempSync(join(tmpdir(), 'warden-e2e-firefox-'));
  cleanup.push(() => rmSync(temp, { recursive: true, force: true }));
  const port = await freePort();
  const child = spawn(GECKODRIVER, ['--host', '127.0.0.1', '--port', String(port), '--log', 'warn'], {
    env: { ...process.env, TMPDIR: temp, MOZ_HEADLESS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so Firefox and its content processes go with it.
    detached: true,
  });
  child.stdout.on('data', (chunk) => { driverLog += chunk; });
  child.stderr.on('data', (chunk) => { driverLog += chunk; });
  cleanup.push(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  });
  track(child);
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 20000;
  for (;;) {
    try {
      const res = await fetch(`${url}/status`);
      if (res.ok) return url;
    } catch {
      // Not listening yet.
    }
    if (child.exitCode !== null) throw new Error(`geckodriver exited (${child.exitCode}): ${driverLog}`);
    if (Date.now() > until) throw new Error(`geckodriver did not start in 20 s: ${driverLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

// One WebDriver session: each method is one command, its errors thrown with their text.
class Browser {
  constructor(driver, id) {
    this.driver = driver;
    this.id = id;
  }

  static async open(driver, prefs = {}) {
    const res = await wd(driver, 'POST', '/session', {
      capabilities: {
        alwaysMatch: {
          browserName: 'firefox',
          acceptInsecureCerts: false,
          pageLoadStrategy: 'normal',
          timeouts: { pageLoad: 30000, script: STEP_TIMEOUT, implicit: 0 },
          'moz:firefoxOptions': { binary: FIREFOX, args: ['-headless'], prefs: { ...PREFS, ...prefs } },
        },
      },
    }, 90000);
    log(`Firefox ${res.capabilities.browserVersion} through geckodriver`);
    const browser = new Browser(driver, res.sessionId);
    cleanup.push(() => browser.close());
    return browser;
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    await wd(this.driver, 'DELETE', `/session/${this.id}`, undefined, 15000);
  }

  cmd(method, path, body) {
    return wd(this.driver, method, `/session/${this.id}${path}`, body);
  }

  go(url) { return this.cmd('POST', '/url', { url }); }

  run(script, ...args) { return this.cmd('POST', '/execute/sync', { script, args }); }

  async find(selector) {
    const r = await this.cmd('POST', '/element', { using: 'css selector', value: selector });
    return r[ELEMENT];
  }

  async click(selector) { await this.cmd('POST', `/element/${await this.find(selector)}/click`, {}); }

  async type(selector, text) {
    const el = await this.find(selector);
    await this.cmd('POST', `/element/${el}/clear`, {});
    await this.cmd('POST', `/element/${el}/value`, { text });
  }

  async text(selector) { return this.cmd('GET', `/element/${await this.find(selector)}/text`); }

  // Waits until `predicate` (a function body run in the page, given `args`) is truthy.
  async until(what, predicate, ...args) {
    const deadline = Date.now() + STEP_TIMEOUT;
    for (;;) {
      const value = await this.run(predicate, ...args);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  // Waits for an element matching `selector` whose text includes `expected`.
  waitText(selector, expected) {
    return this.until(`${selector} to show "${expected}"`,
      'return [...document.querySelectorAll(arguments[0])].some((e) => e.textContent.includes(arguments[1]));',
      selector, expected);
  }

  waitFor(selector) {
    return this.until(`${selector} to be shown`, `
      const e = document.querySelector(arguments[0]);
      return !!e && e.getClientRects().length > 0;`, selector);
  }

  async resize(width, height) {
    await this.cmd('POST', '/window/rect', { width, height });
  }

  async shot(name) {
    // Firefox's own full-page capture; the standard one is the viewport only.
    const png = await this.cmd('GET', '/moz/screenshot/full');
    writeFileSync(join(OUT, name), Buffer.from(png, 'base64'));
    log(`screenshot ${name}`);
  }
}

async function wd(driver, method, path, body, timeout = STEP_TIMEOUT + 5000) {
  const res = await fetch(`${driver}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeout),
  });
  const reply = await res.json();
  if (!res.ok) {
    const v = reply.value || {};
    throw new Error(`WebDriver ${method} ${path}: ${v.error}: ${v.message}`);
  }
  return reply.value;
}

// Collects script errors, unhandled rejections, CSP violations and console.error calls
// in the page from now on; `problems()` reads them back.
const COLLECT = `
  if (!window.__e2e) {
    window.__e2e = [];
    window.addEventListener('error', (e) => window.__e2e.push('error: ' + e.message + ' at ' + e.filename + ':' + e.lineno));
    window.addEventListener('unhandledrejection', (e) => window.__e2e.push('unhandled rejection: ' + (e.reason && e.reason.message || e.reason)));
    document.addEventListener('securitypolicyviolation', (e) => window.__e2e.push('CSP blocked ' + e.blockedURI + ' (' + e.violatedDirective + ')'));
    const original = console.error;
    console.error = (...args) => { window.__e2e.push('console.error: ' + args.join(' ')); original.apply(console, args); };
  }`;

async function problems(browser) {
  return browser.run('return window.__e2e ? window.__e2e : ["the error collector is gone (the page reloaded)"];');
}

async function noHorizontalOverflow(browser, where) {
  const { scroll, width } = await browser.run(
    'return { scroll: document.documentElement.scrollWidth, width: window.innerWidth };');
  check(scroll <= width, `${where}: the page is ${scroll}px wide in a ${width}px window`);
}

// ---- the flow --------------------------------------------------------------------

async function flow(browser, base, keys) {
  await browser.resize(1280, 900);
  await browser.go(`${base}/console`);
  await browser.run(COLLECT);
  await browser.waitFor('#signin-title');

  // The stylesheet and the script both loaded under the CSP: the page is styled and the
  // script moved focus to the key field.
  const loaded = await browser.run(`return {
    sheets: [...document.styleSheets].map((s) => s.href),
    bg: getComputedStyle(document.documentElement).backgroundColor,
    topbar: getComputedStyle(document.querySelector('.topbar')).display,
    focus: document.activeElement && document.activeElement.id,
  };`);
  check(loaded.sheets.some((h) => h && h.endsWith('/console/console.css')), `the stylesheet loaded: ${loaded.sheets}`);
  check(loaded.bg === 'rgb(244, 246, 249)', `the stylesheet applies (background ${loaded.bg})`);
  check(loaded.topbar === 'flex', `the top bar is laid out (display ${loaded.topbar})`);
  check(loaded.focus === 'key', `the script ran: the key field has focus (${loaded.focus})`);
  await browser.shot('firefox-signin.png');

  // A wrong key is refused; the moderator's key signs in and stays out of the address.
  await browser.type('#key', 'wdn_not_a_real_key_000000000000');
  await browser.click('#signin-button');
  await browser.waitText('#key-error', 'not valid');
  await browser.type('#key', keys.moderator);
  await browser.click('#signin-button');
  await browser.waitFor('#queue-view');
  await browser.waitText('#who', 'E2E moderator');
  const address = await browser.cmd('GET', '/url');
  check(!address.includes('wdn_'), 'the key is not in the address');

  // Pick the community and the queue as a person would: by clicking their options.
  await browser.click(`#community-select option[value="${COMMUNITY}"]`);
  await browser.click('#queue option[value="review"]');
  await browser.click('#batch-size option:first-child');
  await browser.until('two waiting items', 'return document.querySelectorAll("#waiting li").length === 2;');
  await browser.shot('firefox-queue.png');

  // Claim a batch of one: it opens leased, and leaves the waiting list.
  await browser.click('#claim');
  await browser.waitText('#item-state', 'Leased to you');
  await browser.waitText('#item-lease-text', 'left on your lease');
  await browser.until('the waiting list to shrink', 'return document.querySelectorAll("#waiting li").length === 1;');
  const itemId = await browser.run('return document.querySelector("#batch .item-row").dataset.item;');
  log(`claimed ${await browser.text('#item-title')} (${itemId})`);

  // The text renders with its highlights, labelled and styled; personal data masked.
  const render = await browser.run(`
    const marks = [...document.querySelectorAll('#item-text mark')];
    const pattern = document.querySelector('#item-text mark.hl-pattern');
    const bar = document.querySelector('#scores li.cat-profanity .bar span');
    return {
      marks: marks.length,
      labels: [...document.querySelectorAll('#item-text .tag')].map((t) => t.textContent),
      text: document.getElementById('item-text').textContent,
      patternBg: pattern && getComputedStyle(pattern).backgroundColor,
      barWidth: bar ? bar.getBoundingClientRect().width : -1,
    };`);
  check(render.marks >= 1, 'matches are highlighted');
  check(render.labels.some((l) => /· wordlist$/.test(l)), `a wordlist match is labelled: ${render.labels}`);
  check(render.labels.some((l) => /^email · detector$/.test(l)), `the email is labelled: ${render.labels}`);
  check(render.text.includes('[email]'), 'the email is masked');
  check(render.patternBg && !/rgba\(0, 0, 0, 0\)|transparent/.test(render.patternBg),
    `the highlight has its colour (color-mix): ${render.patternBg}`);
  check(render.barWidth > 0, `the profanity score bar is drawn (${render.barWidth}px)`);
  await browser.waitText('#events li', 'Claimed');

  // Remove without a reason: refused in the page, nothing sent.
  await browser.click('[data-action="remove"]');
  await browser.waitText('#decision-error', 'reason is required');
  const invalid = await browser.run('return [document.getElementById("reason").getAttribute("aria-invalid"), document.activeElement.id];');
  check(invalid[0] === 'true', 'the reason field is marked invalid');
  check(invalid[1] === 'reason', `the reason field has focus (${invalid[1]})`);
  let events = await call(base, 'GET', `/v1/items/${itemId}/events`, ADMIN);
  check(!events.body.events.some((e) => e.kind === 'decided'), 'no decision was sent without a reason');
  await browser.shot('firefox-item-leased-1280.png');

  // Remove with a reason: decided, out of the queue, in the history.
  await browser.type('#reason', REASON);
  await browser.click('[data-action="remove"]');
  await browser.waitText('#item-state', 'Removed');
  await browser.waitText('#events li', REASON);
  await browser.waitText('#undo-text', 'You can undo this');
  await browser.waitText('#batch .row-state', 'removed');
  const stillWaiting = await browser.run(
    'return [...document.querySelectorAll("#waiting .item-row")].some((r) => r.dataset.item === arguments[0]);', itemId);
  check(!stillWaiting, 'the removed item is not in the waiting list');
  const queue = await call(base, 'GET', `/v1/queue?community=${COMMUNITY}`, keys.moderator);
  check(!queue.body.items.some((i) => i.item_id === itemId), 'the removed item left the queue');
  events = await call(base, 'GET', `/v1/items/${itemId}/events`, ADMIN);
  const decided = events.body.events.find((e) => e.kind === 'decided');
  check(decided && decided.action === 'remove' && decided.reason === REASON, 'the removal is recorded');
  await noHorizontalOverflow(browser, '1280 px');
  await browser.shot('firefox-item-removed-1280.png');

  const found = await problems(browser);
  check(found.length === 0, `problems in the page:\n${found.join('\n')}`);
  return itemId;
}

// A phone-width window, in a second Firefox. Firefox will not make a window narrower
// than 450 px (its own toolbar's minimum, headless too; neither a device-pixel ratio,
// which scales that minimum with the page, nor page zoom, which needs system access
// over WebDriver, gets around it), so this checks at 450 px: below both of the
// console's breakpoints (900 and 600 px), the same one-column layout as at 375 px,
// which `make e2e` checks in Chromium.
async function phoneFlow(driver, base, keys) {
  const browser = await Browser.open(driver);
  await browser.resize(450, 900);
  await browser.go(`${base}/console`);
  await browser.run(COLLECT);
  await browser.waitFor('#signin-title');
  const inner = await browser.run('return window.innerWidth;');
  check(inner <= 450, `the page is at most 450 px wide (${inner})`);
  await noHorizontalOverflow(browser, '450 px, sign in');
  await browser.shot('firefox-signin-450.png');

  await browser.type('#key', keys.moderator);
  await browser.click('#signin-button');
  await browser.waitFor('#queue-view');
  await browser.click(`#community-select option[value="${COMMUNITY}"]`);
  await browser.until('the last waiting item', 'return document.querySelectorAll("#waiting li").length === 1;');
  await noHorizontalOverflow(browser, '450 px, queue');
  await browser.click('#claim');
  await browser.waitText('#item-state', 'Leased to you');
  await browser.until('the highlights', 'return document.querySelectorAll("#item-text mark").length > 0;');
  await noHorizontalOverflow(browser, '450 px, item open');
  await browser.shot('firefox-item-450.png');
  const found = await problems(browser);
  check(found.length === 0, `problems in the page:\n${found.join('\n')}`);
  await browser.close();
}

// Firefox prints uncaught script errors and CSP reports of its pages to stderr (and,
// with devtools.console.stdout.content, console.error calls to stdout): none of them
// may name the console's origin. This also covers what happens before the in-page
// collector is installed, while the page loads.
function pageMessages(base) {
  return driverLog.split('\n').filter((line) => line.includes(base)
    && /JavaScript error|Content[- ]Security[- ]Policy|console\.error|blocked/i.test(line));
}

const deadline = setTimeout(() => {
  console.error('e2e-firefox: timed out after 180 s');
  // The cleanup below does not run on this path: stop the children by hand.
  for (const step of cleanup.reverse()) {
    try {
      step();
    } catch {
      // Best effort.
    }
  }
  process.exit(1);
}, 180000);

let failed = 0;
try {
  mkdirSync(OUT, { recursive: true });
  const base = await startServer();
  log(`warden at ${base}`);
  const keys = await setUp(base);
  const driver = await startDriver();
  const browser = await Browser.open(driver);
  await flow(browser, base, keys);
  log('flow passed');
  await browser.close();
  await phoneFlow(driver, base, keys);
  log('450 px flow passed');
  const messages = pageMessages(base);
  check(messages.length === 0, `Firefox reported for the console:\n${messages.join('\n')}`);
} catch (e) {
  failed = 1;
  console.error(`e2e-firefox: FAILED: ${e.stack || e}`);
  if (driverLog.trim()) console.error(`geckodriver and Firefox said:\n${driverLog.slice(-4000)}`);
} finally {
  // Last set up, first torn down: the session, geckodriver and Firefox, the server,
  // then their files.
  await cleanUp();
  clearTimeout(deadline);
}
console.log(`e2e-firefox: screenshots in ${OUT}, ${elapsed()}s`);
console.log(`e2e-firefox: ${failed ? 'FAILED' : 'passed'}`);
process.exit(failed ? 1 : 0);
