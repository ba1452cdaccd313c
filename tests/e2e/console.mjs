// End-to-end test of the moderator console: the real `warden serve` binary on a free
// loopback port over a fresh data directory, driven in Debian's Chromium (headless,
// through playwright-core) the way a moderator would use it.
//
//   WARDEN_BIN=target/debug/warden node tests/e2e/console.mjs
//
// It signs in, claims, refuses a removal without a reason, removes with one, sees the
// item leave the queue and its history update, undoes and re-decides, reveals personal
// data (audited), then does the same flow with the keyboard only, checks there is no
// horizontal overflow at 375 px, edits a policy and a wordlist as an admin, and reads the
// audit log as an admin (a key it just created, "Load more", a refused community), and
// runs the team: blurred severe terms, a bulk removal, the dashboard's charts. Every
// tab fails the test on a script error, a console error or a Content-Security-Policy
// violation. Screenshots go to target/e2e/*.png. Exits non-zero on the first failure.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

import {
  ADMIN, COMMUNITY, OUT, STEP_TIMEOUT, call, check, cleanUp, cleanup, createKey, elapsed,
  logger, startServer, submitHeld,
} from './harness.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const log = logger('e2e');

async function setUp(base) {
  const moderator = await createKey(base, 'moderator', 'E2E moderator');
  const ingest = await createKey(base, 'ingest', 'E2E platform');
  const admin = await createKey(base, 'admin', 'E2E community admin');
  const items = await submitHeld(base, ingest, 3);
  return { moderator, ingest, admin, items };
}

// ---- the browser -----------------------------------------------------------------

async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'warden-e2e-chromium-'));
  cleanup.push(() => rmSync(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
  cleanup.push(() => context.close());
  context.setDefaultTimeout(STEP_TIMEOUT);
  return context;
}

// A new tab that fails the test on any script error, console error or CSP violation (a
// blocked inline script or style, for one, is reported as both).
async function tab(context, base) {
  const page = await context.newPage();
  // Injected by the browser's debugging protocol, so the page's CSP does not apply to it.
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.cspViolations.push(`${e.violatedDirective}: ${e.blockedURI || 'inline'}`);
    });
  });
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // A 4xx the test provokes on purpose is logged by the browser as a failed resource.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) {
      problems.push(`console error: ${m.text()}`);
    }
  });
  page.problems = problems;
  await page.goto(`${base}/console`);
  return page;
}

// Signs in by mouse and waits for the queue (the keyboard flow types its key instead).
async function signIn(page, key) {
  await page.fill('#key', key);
  await page.click('#signin-button');
  await page.locator('#queue-view').waitFor();
}

// No script error, console error or CSP violation in this tab so far.
async function noProblems(page) {
  const violations = await page.evaluate(() => window.cspViolations);
  check(Array.isArray(violations), 'the CSP listener is installed');
  const problems = page.problems.concat(violations.map((v) => `CSP violation: ${v}`));
  check(problems.length === 0, problems.join('\n'));
}

const text = (page, selector) => page.locator(selector).innerText();

async function waitText(page, selector, expected) {
  await page.locator(selector, { hasText: expected }).first().waitFor();
}

async function shot(page, name, fullPage = false) {
  await page.screenshot({ path: join(OUT, name), fullPage });
  log(`screenshot ${name}`);
}

async function noHorizontalOverflow(page, where) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, width: window.innerWidth,
  }));
  check(scroll <= width, `${where}: the page is ${scroll}px wide in a ${width}px window`);
}

async function focused(page) {
  return page.evaluate(() => document.activeElement && (document.activeElement.id || document.activeElement.tagName));
}

// ---- the flows -------------------------------------------------------------------

async function mouseFlow(context, base, keys) {
  const page = await tab(context, base);
  await page.locator('#signin-title').waitFor();
  check(await focused(page) === 'key', 'the key field has focus on load');
  await shot(page, 'signin.png');

  await page.fill('#key', 'wdn_not_a_real_key_000000000000');
  await page.click('#signin-button');
  await waitText(page, '#key-error', 'not valid');

  await signIn(page, keys.moderator);
  check(!page.url().includes('wdn_'), 'the key is not in the address');
  check(await page.evaluate(() => sessionStorage.getItem('warden.key')) === keys.moderator, 'the key is in session storage');
  await waitText(page, '#who', 'E2E moderator');
  check(await page.locator('[data-view="policy"]').isHidden(), 'a moderator has no policy editor');
  check(await page.locator('[data-view="audit"]').isHidden(), 'a moderator has no audit log');

  await page.selectOption('#queue', 'review');
  await page.selectOption('#batch-size', '1');
  await page.locator('#waiting li').nth(2).waitFor();
  check(await page.locator('#waiting li').count() === 3, 'three items wait');
  await shot(page, 'queue.png');

  // Claim a batch of one: it opens, with a lease countdown, and leaves the waiting list.
  await page.click('#claim');
  await page.locator('#item').waitFor();
  await waitText(page, '#item-state', 'Leased to you');
  const contentId = (await text(page, '#item-title')).replace('Item ', '');
  log(`claimed ${contentId}`);
  await waitText(page, '#item-lease-text', 'left on your lease');
  check(/Lease \d+:\d\d/.test(await text(page, '#batch-lease')), 'the batch shows its lease countdown');
  await page.waitForFunction(() => document.querySelectorAll('#waiting li').length === 2);
  const itemId = await page.locator('#batch .item-row').first().getAttribute('data-item');

  // A reload keeps the tab signed in and finds its batch again.
  await page.reload();
  await waitText(page, '#batch .row-state', 'yours');
  await page.click(`#batch .item-row[data-item="${itemId}"]`);
  await waitText(page, '#item-state', 'Leased to you');

  // The text: matches highlighted and labelled, personal data masked.
  check(await page.locator('#item-text mark').count() >= 1, 'matches are highlighted');
  const labels = await page.locator('#item-text .tag').allInnerTexts();
  check(labels.some((l) => /· wordlist$/.test(l)), `a wordlist match is labelled: ${labels}`);
  check(labels.some((l) => /^email · detector$/.test(l)), `the email is labelled: ${labels}`);
  check((await text(page, '#item-text')).includes('[email]'), 'the email is masked');
  check(await page.locator('#scores li.cat-profanity').count() === 1, 'category scores are listed');
  await waitText(page, '#events li', 'Claimed');
  await waitText(page, '#rules', 'policy');

  // Remove without a reason: refused in the page, nothing sent.
  await page.click('[data-action="remove"]');
  await waitText(page, '#decision-error', 'reason is required');
  check(await page.getAttribute('#reason', 'aria-invalid') === 'true', 'the reason field is marked invalid');
  check(await focused(page) === 'reason', 'the reason field has focus');
  let events = await call(base, 'GET', `/v1/items/${itemId}/events`, ADMIN);
  check(!events.body.events.some((e) => e.kind === 'decided'), 'no decision was sent without a reason');
  await shot(page, 'item-leased-1280.png', true);

  // Reveal personal data: shown, and recorded.
  await page.click('#reveal');
  await waitText(page, '#item-text', '@example.com');
  await waitText(page, '#events li', 'Personal data revealed');

  // Remove with a reason: decided, out of the queue, in the history, undoable.
  await page.fill('#reason', 'Harassment of another member (e2e)');
  await page.click('[data-action="remove"]');
  await waitText(page, '#item-state', 'Removed');
  await waitText(page, '#events li', 'Harassment of another member (e2e)');
  await waitText(page, '#undo-text', 'You can undo this');
  await waitText(page, '#batch .row-state', 'removed');
  await waitText(page, '#rules .rule', 'active');
  check(!(await page.locator('#waiting .item-row').evaluateAll((rows, id) => rows.some((r) => r.dataset.item === id), itemId)),
    'the removed item is not in the waiting list');
  const queue = await call(base, 'GET', `/v1/queue?community=${COMMUNITY}`, keys.moderator);
  check(!queue.body.items.some((i) => i.item_id === itemId), 'the removed item left the queue');
  events = await call(base, 'GET', `/v1/items/${itemId}/events`, ADMIN);
  const decided = events.body.events.find((e) => e.kind === 'decided');
  check(decided && decided.action === 'remove' && decided.reason === 'Harassment of another member (e2e)', 'the removal is recorded');
  await shot(page, 'item-removed-1280.png', true);

  // Undo within the lease, then decide again with the keyboard shortcut.
  await page.click('#undo');
  await waitText(page, '#item-state', 'Leased to you');
  await waitText(page, '#events li', 'Decision undone');
  await waitText(page, '#rules .rule', 'revoked');
  await page.keyboard.press('a');
  await waitText(page, '#item-state', 'Approved');
  events = await call(base, 'GET', `/v1/items/${itemId}/events`, ADMIN);
  const kinds = events.body.events.map((e) => e.kind);
  check(kinds.slice(-3).join() === 'decided,undone,decided', `history after undo: ${kinds}`);
  await noHorizontalOverflow(page, '1280 px');
  await noProblems(page);
  await page.close();
  return itemId;
}

async function keyboardFlow(context, base, keys, decidedBefore) {
  const page = await tab(context, base);
  await page.locator('#signin-title').waitFor();
  check(await focused(page) === 'key', 'the key field has focus on load');
  await page.keyboard.type(keys.moderator);
  await page.keyboard.press('Enter');
  await page.locator('#queue-view').waitFor();
  check(await focused(page) === 'community-select', `focus after sign-in: ${await focused(page)}`);
  await page.locator('#waiting li').nth(1).waitFor();

  // Tab to "Claim batch" (queue and batch size keep their defaults) and press Enter.
  const order = [];
  for (let i = 0; i < 3; i += 1) {
    await page.keyboard.press('Tab');
    order.push(await focused(page));
  }
  check(order.join() === 'queue,batch-size,claim', `tab order: ${order}`);
  await page.keyboard.press('Enter');
  await waitText(page, '#item-state', 'Leased to you');
  check(await focused(page) === 'item-title', 'the opened item has focus');
  check(await page.locator('#batch li').count() === 2, 'the two remaining items are claimed');

  // The author's record shows the earlier decision on their other item.
  await waitText(page, '#author-history', 'Approved');

  // `r` with no reason asks for one; type it, Esc, `r` again.
  const first = await text(page, '#item-title');
  await page.keyboard.press('r');
  await waitText(page, '#decision-error', 'reason is required');
  check(await focused(page) === 'reason', 'r moved focus to the reason');
  await page.keyboard.type('Spam, removed by keyboard (e2e)');
  await page.keyboard.press('Escape');
  check(await focused(page) === 'item-title', 'Esc leaves the field');
  await page.keyboard.press('r');
  await waitText(page, '#item-state', 'Removed');
  await waitText(page, '#events li', 'Spam, removed by keyboard (e2e)');
  check(await focused(page) === 'next', 'after deciding, focus is on "Next item"');

  // `j` to the next item, label it: `l` asks for labels first.
  await page.keyboard.press('j');
  await page.waitForFunction((t) => document.getElementById('item-title').textContent !== t, first);
  await waitText(page, '#item-state', 'Leased to you');
  const second = await text(page, '#item-title');
  await page.setViewportSize({ width: 375, height: 812 });
  await noHorizontalOverflow(page, '375 px, deciding an item');
  await shot(page, 'item-leased-375.png', true);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.keyboard.press('l');
  check(await focused(page) === 'labels', 'l moved focus to the labels');
  await page.keyboard.type('crude');
  await page.keyboard.press('Escape');
  await page.keyboard.press('l');
  await waitText(page, '#item-state', 'Labelled');

  // `k` back to the first; `?` opens the shortcuts, Esc closes them.
  await page.keyboard.press('k');
  await page.waitForFunction((t) => document.getElementById('item-title').textContent === t, first);
  await page.keyboard.press('?');
  check(await page.locator('#help').isVisible(), '? opens the shortcuts');
  await page.keyboard.press('Escape');
  check(await page.locator('#help').isHidden(), 'Esc closes the shortcuts');
  check(await page.locator('#waiting li').count() === 0, `the queue is empty: ${second} and ${first} left it`);
  await shot(page, 'keyboard-1280.png', true);

  // A phone-width window: one column, nothing wider than the screen.
  await page.setViewportSize({ width: 375, height: 812 });
  await noHorizontalOverflow(page, '375 px, item open');
  await shot(page, 'item-375.png', true);
  check(decidedBefore, 'the mouse flow decided an item');
  await noProblems(page);
  await page.close();
}

async function adminFlow(context, base, keys) {
  const page = await tab(context, base);
  await page.setViewportSize({ width: 375, height: 812 });
  await page.locator('#signin-title').waitFor();
  await noHorizontalOverflow(page, '375 px, sign in');
  await page.setViewportSize({ width: 1280, height: 800 });
  await signIn(page, keys.admin);

  await page.click('[data-view="policy"]');
  await page.locator('#policy-view').waitFor();
  await page.waitForFunction(() => document.getElementById('policy-json').value.includes('"thresholds"'));
  const policy = JSON.parse(await page.inputValue('#policy-json'));
  check(policy.thresholds.profanity.review === 0.35, 'the community policy is loaded');
  // A broken policy is refused with the server's reason; a valid one is saved.
  policy.thresholds.profanity = { review: 0.8, remove: 0.5 };
  await page.fill('#policy-json', JSON.stringify(policy));
  await page.click('#policy-form [type="submit"]');
  await waitText(page, '#policy-error', 'profanity');
  policy.thresholds.profanity = { review: 0.4, remove: 0.9 };
  await page.fill('#policy-json', JSON.stringify(policy));
  await page.click('#policy-form [type="submit"]');
  await waitText(page, '#status', 'Saved the policy');
  const saved = await call(base, 'GET', `/v1/communities/${COMMUNITY}/policy`, ADMIN);
  check(saved.body.thresholds.profanity.review === 0.4, 'the policy was saved');
  await shot(page, 'policy-1280.png');

  await page.click('[data-view="wordlist"]');
  await page.locator('#wordlist-view').waitFor();
  await waitText(page, '#status', 'Loaded the wordlist');
  await page.click('#add-term');
  await page.keyboard.type('zorblax');
  await page.locator('#terms select').first().selectOption('insult');
  await page.fill('#allow', 'scunthorpe');
  await page.click('#wordlist-form [type="submit"]');
  await waitText(page, '#status', 'Saved the wordlist');
  const list = await call(base, 'GET', `/v1/communities/${COMMUNITY}/wordlist`, ADMIN);
  check(list.body.block.some((t) => t.text === 'zorblax' && t.category === 'insult'), 'the term was saved');
  check(list.body.allow.includes('scunthorpe'), 'the allowed word was saved');
  await shot(page, 'wordlist-1280.png');
  await page.setViewportSize({ width: 375, height: 812 });
  await noHorizontalOverflow(page, '375 px, wordlist editor');
  await page.setViewportSize({ width: 1280, height: 800 });
  await auditLog(page, base, keys);
  await noProblems(page);
  await page.close();
}

// The audit log, as the community's admin: a key it creates shows up as a `key.create` row
// by "you"; more records than a page are reached with "Load more"; a community outside
// the admin's scope is refused with the server's message.
async function auditLog(page, base, keys) {
  const created = await call(base, 'POST', '/v1/keys', keys.admin, { role: 'moderator', communities: [COMMUNITY], name: 'E2E audited' });
  check(created.status === 201, `create a key as the admin: ${JSON.stringify(created)}`);
  const adminId = (await call(base, 'GET', '/v1/keys/self', keys.admin)).body.id;
  // More records than the console's page of 50, so the log has a second page.
  for (let i = 0; i < 50; i += 1) {
    const r = await call(base, 'POST', '/v1/keys', keys.admin, { role: 'ingest', communities: [COMMUNITY], name: `E2E bulk ${i}` });
    check(r.status === 201, `bulk key ${i}: ${JSON.stringify(r)}`);
  }
  const all = await call(base, 'GET', '/v1/audit?limit=1000', keys.admin);
  check(all.status === 200 && all.body.entries.length > 50, `the admin's audit log: ${all.body.entries.length} records`);

  await page.click('[data-view="audit"]');
  await page.locator('#audit-view').waitFor();
  check(await page.locator('[data-view="audit"]').getAttribute('aria-current') === 'page', 'the audit log is the current view');
  await page.locator('#audit-rows tr').nth(49).waitFor();
  check(await page.locator('#audit-rows tr').count() === 50, 'the first page has 50 rows');
  check(await page.locator('#audit-more').isVisible(), '"Load more" is offered after a full page');
  const headers = await page.locator('#audit-table th').allInnerTexts();
  check(headers.join() === 'Time,Actor,Action,Target,Community', `audit columns: ${headers}`);
  // The first rows are the oldest: the keys and policy of the test's set-up.
  const firstActions = await page.locator('#audit-rows tr td:nth-child(3)').allInnerTexts();
  check(firstActions.includes('policy.put') && firstActions.includes('wordlist.put'), `the editors' saves are audited: ${firstActions}`);

  await page.click('#audit-more');
  await page.waitForFunction((n) => document.querySelectorAll('#audit-rows tr').length === n, all.body.entries.length);
  await page.locator('#audit-more').waitFor({ state: 'hidden' });
  const row = page.locator('#audit-rows tr', { hasText: created.body.id });
  check(await row.count() === 1, `one row names the new key ${created.body.id}`);
  const cells = await row.locator('td').allInnerTexts();
  check(cells[1] === `${adminId} (you)`, `the actor is this admin: ${cells}`);
  check(cells[2] === 'key.create' && cells[3] === created.body.id, `a key.create row for the new key: ${cells}`);
  check(/\d/.test(cells[0]) && await row.locator('time').getAttribute('datetime') === all.body.entries.find((e) => e.target === created.body.id).at,
    `the row shows its time: ${cells[0]}`);
  await waitText(page, '#status', 'more audit records');
  await shot(page, 'audit-1280.png', true);

  // A community outside the admin's scope: refused, the server's reason shown.
  await page.fill('#audit-community', 'elsewhere');
  await page.click('#audit-load');
  await page.locator('#audit-error').waitFor();
  check(await page.getAttribute('#audit-community', 'aria-invalid') === 'true', 'the community field is marked invalid');
  check(await page.locator('#audit-table').isHidden(), 'a refused community shows no rows');
  await page.fill('#audit-community', COMMUNITY);
  await page.press('#audit-community', 'Enter');
  await page.locator('#audit-error').waitFor({ state: 'hidden' });
  await page.locator('#audit-rows tr').nth(49).waitFor();
  await page.setViewportSize({ width: 375, height: 812 });
  await noHorizontalOverflow(page, '375 px, audit log');
}

// User reports: an allowed item a user reports goes to review; "Reported only" lists it
// with its report chip, and its view shows the report with the comment masked.
async function reportsFlow(context, base, keys) {
  const sub = await call(base, 'POST', '/v1/content', ADMIN,
    { community: COMMUNITY, content_id: 'e2e-reported', author_id: 'e2e-author', text: 'see you at the match tomorrow' });
  check(sub.status === 201 && sub.body.outcome === 'allow', `an allowed item: ${JSON.stringify(sub.body)}`);
  const rep = await call(base, 'POST', '/v1/reports', ADMIN,
    { community: COMMUNITY, content_id: 'e2e-reported', reporter_id: 'e2e-reporter', reason: 'insult', comment: 'write to me at rep@example.com' });
  check(rep.status === 201 && rep.body.queue === 'review', `the report routes it to review: ${JSON.stringify(rep.body)}`);

  const page = await tab(context, base);
  await signIn(page, keys.moderator);
  await page.check('#reported-only');
  await page.waitForFunction((id) => {
    const rows = [...document.querySelectorAll('#waiting .item-row')];
    return rows.length === 1 && rows[0].dataset.item === id;
  }, sub.body.item_id);
  await waitText(page, '#waiting .chip-reported', '1 report');
  await page.click(`#waiting .item-row[data-item="${sub.body.item_id}"]`);
  await waitText(page, '#findings', 'Report: insult');
  const findings = await text(page, '#findings');
  check(findings.includes('[email]') && !findings.includes('rep@example.com'), `the report comment is masked: ${findings}`);
  await waitText(page, '#events li', 'Reported by a user');
  await shot(page, 'item-reported-1280.png', true);
  await noProblems(page);
  await page.close();
}

// The engine's guards on the item: a slur homonym that the slur guard sent to review
// instead of removal says so, with its scores, in the item's findings.
async function guardsFlow(context, base, keys) {
  const sub = await call(base, 'POST', '/v1/content', keys.ingest, {
    community: COMMUNITY, content_id: 'e2e-homonym', author_id: 'e2e-farmer',
    text: 'The Dutch farmers repaired the dyke before the winter storms arrived.',
  });
  check(sub.status === 201 && sub.body.queue === 'review', `the homonym is queued, not removed: ${JSON.stringify(sub.body)}`);
  const page = await tab(context, base);
  await signIn(page, keys.moderator);
  await page.locator(`#waiting .item-row[data-item="${sub.body.item_id}"]`).click();
  await waitText(page, '#findings .guard .chip', 'Slur guard');
  const findings = await text(page, '#findings');
  check(findings.includes('Sent to review instead of removed') && findings.includes('rules: en:dyke'),
    `the guard says what it did: ${findings}`);
  await noProblems(page);
  await page.close();
}

// Running the team, as the moderator: a severe term is blurred until focused (and the
// setting sticks per moderator), all of an author's items are removed in bulk after a
// count and a confirmation, and the dashboard draws its charts (waiting ages over time
// from the queue samples among them), counts the severe item
// this session opened, and fits 375 px.
async function operationsFlow(context, base, keys) {
  const spammer = 'e2e-spammer';
  const ids = [];
  for (const [n, text] of ['go drink bleach', 'you are a f*cking idiot', 'f*cking idiot again'].entries()) {
    const r = await call(base, 'POST', '/v1/content', keys.ingest, {
      community: COMMUNITY, content_id: `spam-${n}`, author_id: spammer, text,
    });
    check(r.status === 201 && r.body.queue === 'review', `submit spam-${n}: ${JSON.stringify(r)}`);
    ids.push(r.body.item_id);
  }
  const page = await tab(context, base);
  await signIn(page, keys.moderator);
  await page.locator(`#waiting .item-row[data-item="${ids[0]}"]`).click();
  await waitText(page, '#item-title', 'spam-0');
  const mark = page.locator('#item-text mark.severe').first();
  await mark.waitFor();
  const filter = () => mark.evaluate((el) => getComputedStyle(el).filter);
  check((await filter()).includes('blur'), `a severe term is blurred: ${await filter()}`);
  await mark.focus();
  check(await filter() === 'none', 'focused, it is readable');
  await shot(page, 'item-blurred-1280.png');
  await page.uncheck('#blur-toggle');
  await page.locator('#item-title').focus();
  check(await filter() === 'none', 'blur turned off');
  await page.reload();
  await page.locator(`#waiting .item-row[data-item="${ids[0]}"]`).click();
  await page.locator('#item-text mark.severe').first().waitFor();
  check(!(await page.isChecked('#blur-toggle')), 'the setting is kept for this moderator');
  await page.check('#blur-toggle');
  check((await filter()).includes('blur'), 'blurred again');

  // Bulk: count, confirm, done.
  await page.click('#bulk summary');
  await page.click('#bulk-check');
  await waitText(page, '#bulk-count', '3 items by this author');
  await page.click('#bulk-remove');
  await page.locator('#bulk-confirm').waitFor();
  await waitText(page, '#bulk-confirm-text', 'Remove 3 items');
  await page.click('#bulk-confirm-yes');
  await waitText(page, '#bulk-count', 'Removed 3 items');
  for (const id of ids) {
    const r = await call(base, 'GET', `/v1/items/${id}/events`, keys.moderator);
    const last = r.body.events[r.body.events.length - 1];
    check(last.kind === 'decided' && last.outcome === 'remove' && /^blk_/.test(last.bulk_id || ''), `bulk-removed ${id}: ${JSON.stringify(last)}`);
  }

  // The dashboard.
  await page.click('[data-view="dashboard"]');
  await page.locator('#dashboard-view[data-loaded="true"]').waitFor();
  await page.locator('#chart-depth canvas').waitFor();
  await page.locator('#chart-actions canvas').waitFor();
  await page.locator('#chart-age canvas').waitFor();
  check(await page.locator('#chart-age-note').isHidden(), 'the ages over time have samples to draw');
  await waitText(page, '#wellbeing', 'this session: 1.');
  await waitText(page, '#dash-rates', 'Moderator decisions');
  check(await page.locator('#dash-queues tbody tr').count() >= 1, 'queues now are listed');
  await shot(page, 'dashboard-1280.png', true);
  await page.setViewportSize({ width: 375, height: 812 });
  await page.click('#dashboard-load');
  await page.locator('#chart-depth canvas').waitFor();
  await noHorizontalOverflow(page, '375 px, dashboard');
  await shot(page, 'dashboard-375.png', true);
  await noProblems(page);
  await page.close();
}

// The flows, in order: each needs the one before it (the same server and items).
const FLOWS = [
  ['mouse', (ctx) => mouseFlow(ctx.context, ctx.base, ctx.keys).then((id) => { ctx.decided = id; })],
  ['keyboard', (ctx) => keyboardFlow(ctx.context, ctx.base, ctx.keys, ctx.decided)],
  ['admin', (ctx) => adminFlow(ctx.context, ctx.base, ctx.keys)],
  ['reports', (ctx) => reportsFlow(ctx.context, ctx.base, ctx.keys)],
  ['guards', (ctx) => guardsFlow(ctx.context, ctx.base, ctx.keys)],
  ['operations', (ctx) => operationsFlow(ctx.context, ctx.base, ctx.keys)],
];

const deadline = setTimeout(() => {
  console.error('e2e: timed out after 120 s');
  process.exit(1);
}, 120000);

let passed = 0;
let failed = 0;
try {
  mkdirSync(OUT, { recursive: true });
  const ctx = { base: await startServer() };
  log(`warden at ${ctx.base}`);
  ctx.keys = await setUp(ctx.base);
  ctx.context = await launch();
  for (const [name, flow] of FLOWS) {
    await flow(ctx);
    passed += 1;
    log(`${name} flow passed`);
  }
} catch (e) {
  failed = 1;
  console.error(`e2e: FAILED: ${e.stack || e}`);
} finally {
  // Last set up, first torn down: the browser, then the server, then their files.
  await cleanUp();
  clearTimeout(deadline);
}
console.log(`e2e: screenshots in ${OUT}, ${elapsed()}s`);
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
