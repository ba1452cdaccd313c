// Signing in and out, and switching between the console's views (the queues, the
// operations dashboard, the policy and wordlist editors, the audit log).

import { KEY, api } from './api.js';
import { loadAudit } from './admin.js';
import { dashboardCommunity, loadDashboard } from './dashboard.js';
import { loadPolicy, loadWordlist } from './editors.js';
import {
  BATCH, allCommunities, communityValue, firstCommunity, loadWaiting, restoreBatch, setUpCommunities, tick,
} from './queue.js';
import { $, fieldError, say, showError, state } from './ui.js';

// The views, each a `<section id="NAME-view">`.
const VIEWS = ['queue', 'dashboard', 'policy', 'wordlist', 'audit'];

// ---- signing in and out ---------------------------------------------------------

export async function signIn(event) {
  event.preventDefault();
  const input = $('key');
  const secret = input.value.trim();
  if (!secret) {
    fieldError('key', 'key-error', 'Enter your API key.');
    input.focus();
    return;
  }
  fieldError('key', 'key-error', '');
  sessionStorage.setItem(KEY, secret);
  $('signin-button').disabled = true;
  try {
    const me = await api('GET', '/v1/keys/self');
    if (me.role !== 'moderator' && me.role !== 'admin') {
      sessionStorage.removeItem(KEY);
      fieldError('key', 'key-error', `This is a “${me.role}” key: the console needs a moderator or admin key.`);
      input.focus();
      return;
    }
    input.value = '';
    start(me);
  } catch (e) {
    sessionStorage.removeItem(KEY);
    fieldError('key', 'key-error', e.status === 401 ? 'That key is not valid, or it was revoked.' : e.message);
    input.focus();
  } finally {
    $('signin-button').disabled = false;
  }
}

export function start(me) {
  state.me = me;
  const scope = me.communities.includes('*') ? 'all communities' : me.communities.join(', ');
  $('who').textContent = `${me.name || me.id} · ${me.role} · ${scope}`;
  $('nav').hidden = false;
  $('account').hidden = false;
  for (const el of document.querySelectorAll('[data-admin]')) el.hidden = me.role !== 'admin';
  for (const c of me.communities) if (c !== '*') state.communities.add(c);
  setUpCommunities();
  showView('queue', false);
  say(`Signed in as ${me.name || me.id} (${me.role}).`);
  $(allCommunities() ? 'community-input' : 'community-select').focus();
  restoreBatch().then(loadWaiting);
  if (!state.ticker) state.ticker = setInterval(tick, 1000);
}

export async function signOut(message) {
  const held = state.batch.filter((e) => e.state === 'leased');
  if (!message && held.length) {
    // Leave nothing locked: give the leases back before forgetting the key.
    await Promise.allSettled(held.map((e) => api('POST', `/v1/items/${e.id}/release`)));
  }
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(BATCH);
  Object.assign(state, { me: null, batch: [], waiting: [], nextCursor: null, current: null, item: null });
  state.communities.clear();
  state.announced.clear();
  $('nav').hidden = true;
  $('account').hidden = true;
  for (const v of VIEWS) $(`${v}-view`).hidden = true;
  $('signin-view').hidden = false;
  $('item').hidden = true;
  $('item-empty').hidden = false;
  showError(null);
  fieldError('key', 'key-error', message || '');
  say(message ? '' : 'Signed out.');
  $('key').focus();
}

// ---- views ----------------------------------------------------------------------

export function showView(name, focus = true) {
  state.view = name;
  for (const v of VIEWS) $(`${v}-view`).hidden = v !== name;
  $('signin-view').hidden = true;
  for (const b of document.querySelectorAll('.nav-link')) {
    if (b.dataset.view === name) b.setAttribute('aria-current', 'page');
    else b.removeAttribute('aria-current');
  }
  showError(null);
  if (name === 'policy' || name === 'wordlist') {
    const input = $(`${name}-community`);
    if (!input.value) input.value = communityValue() || firstCommunity();
    if (input.value) (name === 'policy' ? loadPolicy : loadWordlist)();
    if (focus) input.focus();
  } else if (name === 'dashboard') {
    const input = $('dashboard-community');
    if (!input.value) input.value = communityValue() || dashboardCommunity();
    loadDashboard();
    if (focus) input.focus();
  } else if (name === 'audit') {
    loadAudit();
    if (focus) $('audit-community').focus();
  } else if (focus) {
    $(allCommunities() ? 'community-input' : 'community-select').focus();
  }
}

