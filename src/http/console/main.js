// The console's entry point (loaded by index.html as a module): wires the page's
// controls and keyboard shortcuts to the other modules, then signs in again with the
// key this tab already holds, if any.

import { loadAudit } from './admin.js';
import { KEY, api, onKeyRejected } from './api.js';
import {
  loadPolicy, loadWordlist, parsePolicy, savePolicy, saveWordlist, termRow,
} from './editors.js';
import { loadDashboard } from './dashboard.js';
import {
  bulkConfirm, bulkCount, bulkRemove, decide, openItem, setBlur, undo,
} from './item.js';
import { claim, loadWaiting, move, release } from './queue.js';
import { showView, signIn, signOut, start } from './session.js';
import { $, say, state } from './ui.js';

// ---- keyboard -------------------------------------------------------------------

function onKey(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  const t = event.target;
  if (t instanceof Element && t.closest('input, textarea, select, [contenteditable]')) {
    // Esc leaves a field, so the single-key shortcuts work again.
    if (event.key === 'Escape' && t.matches('input, textarea') && state.view === 'queue' && state.item) {
      event.preventDefault();
      $('item-title').focus();
    }
    return;
  }
  if (!state.me || $('help').open || $('bulk-confirm').open) return;
  if (event.key === '?') {
    event.preventDefault();
    $('help').showModal();
    return;
  }
  if (state.view !== 'queue') return;
  const actions = {
    j: () => move(1), k: () => move(-1),
    a: () => decide('approve'), r: () => decide('remove'), l: () => decide('label'), e: () => decide('escalate'),
    u: () => undo(),
  };
  const act = actions[event.key];
  if (act) {
    event.preventDefault();
    act();
  }
}

// ---- wiring ---------------------------------------------------------------------

function wire() {
  $('signin').addEventListener('submit', signIn);
  $('signout').addEventListener('click', () => signOut());
  for (const b of document.querySelectorAll('.nav-link')) b.addEventListener('click', () => showView(b.dataset.view));
  $('queue-controls').addEventListener('submit', claim);
  $('refresh').addEventListener('click', () => loadWaiting().then(() => say('Queue refreshed.')));
  $('queue').addEventListener('change', () => loadWaiting());
  $('reported-only').addEventListener('change', () => loadWaiting());
  $('community-select').addEventListener('change', () => loadWaiting());
  $('community-input').addEventListener('change', () => loadWaiting());
  $('more').addEventListener('click', () => loadWaiting(true));
  $('release-all').addEventListener('click', () => release(state.batch.filter((e) => e.state === 'leased').map((e) => e.id)));
  $('release').addEventListener('click', () => state.item && release([state.item.item_id]));
  for (const b of document.querySelectorAll('[data-action]')) b.addEventListener('click', () => decide(b.dataset.action));
  $('undo').addEventListener('click', undo);
  $('next').addEventListener('click', () => move(1));
  $('reveal').addEventListener('click', () => state.item && openItem(state.item.item_id, { reveal: true }));
  $('policy-form').addEventListener('submit', savePolicy);
  $('policy-load').addEventListener('click', loadPolicy);
  $('policy-format').addEventListener('click', () => {
    const p = parsePolicy();
    if (p !== undefined) $('policy-json').value = JSON.stringify(p, null, 2);
  });
  $('wordlist-form').addEventListener('submit', saveWordlist);
  $('wordlist-load').addEventListener('click', loadWordlist);
  $('add-term').addEventListener('click', () => {
    const row = termRow();
    $('terms').append(row);
    row.querySelector('input').focus();
  });
  $('audit-form').addEventListener('submit', (event) => {
    event.preventDefault();
    loadAudit();
  });
  $('audit-more').addEventListener('click', () => loadAudit(true));
  $('help-close').addEventListener('click', () => $('help').close());
  $('blur-toggle').addEventListener('change', (event) => setBlur(event.target.checked));
  $('bulk-check').addEventListener('click', bulkCount);
  $('bulk-remove').addEventListener('click', bulkConfirm);
  $('bulk-confirm-yes').addEventListener('click', bulkRemove);
  $('bulk-confirm-no').addEventListener('click', () => $('bulk-confirm').close());
  $('dashboard-form').addEventListener('submit', (event) => {
    event.preventDefault();
    loadDashboard();
  });
  document.addEventListener('keydown', onKey);
}

async function boot() {
  wire();
  onKeyRejected(() => {
    if (state.me) signOut('Your key is no longer accepted: sign in again.');
  });
  if (!sessionStorage.getItem(KEY)) {
    $('key').focus();
    return;
  }
  try {
    start(await api('GET', '/v1/keys/self'));
  } catch {
    sessionStorage.removeItem(KEY);
    $('key').focus();
  }
}

boot();
