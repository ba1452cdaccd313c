// The queues: communities, the waiting list, claiming a batch and holding it (kept
// across reloads), releasing, moving through it, and the lease clock. It and item.js
// import each other; neither calls the other while loading, only from handlers.

import { api } from './api.js';
import { openItem, renderDecision } from './item.js';
import {
  $, OUTCOME_NAMES, catName, fmtLeft, h, ms, say, showError, spokenLeft, state,
} from './ui.js';

// The ids of the items claimed in this tab, so a reload finds its batch again.
export const BATCH = 'warden.batch';

// ---- communities and the queue --------------------------------------------------

export const allCommunities = () => !!state.me && state.me.communities.includes('*');
export const firstCommunity = () => [...state.communities][0] || '';

export function setUpCommunities() {
  const all = allCommunities();
  const select = $('community-select');
  const input = $('community-input');
  select.hidden = all;
  input.hidden = !all;
  document.querySelector('label[for="community-select"], label[for="community-input"]').htmlFor =
    all ? 'community-input' : 'community-select';
  select.replaceChildren();
  if (!all) {
    if (state.me.communities.length > 1) select.append(h('option', { value: '' }, 'All my communities'));
    for (const c of state.me.communities) select.append(h('option', { value: c }, c));
  }
  refreshCommunityList();
}

function refreshCommunityList() {
  $('community-list').replaceChildren(...[...state.communities].sort().map((c) => h('option', { value: c })));
}

export function communityValue() {
  return (allCommunities() ? $('community-input').value : $('community-select').value).trim();
}

function queueValue() {
  return $('queue').value;
}

export async function loadWaiting(append = false) {
  const params = new URLSearchParams({ queue: queueValue(), limit: '50' });
  const community = communityValue();
  if (community) params.set('community', community);
  // Only items users reported (the server filters each page, so one may come up short).
  if ($('reported-only').checked) params.set('reported', 'true');
  if (append && state.nextCursor) params.set('cursor', state.nextCursor);
  try {
    const page = await api('GET', `/v1/queue?${params}`);
    state.waiting = append ? state.waiting.concat(page.items) : page.items;
    state.nextCursor = page.next_cursor || null;
    for (const item of page.items) state.communities.add(item.community);
    refreshCommunityList();
    renderWaiting();
  } catch (e) {
    showError(e);
  }
}

export async function claim(event) {
  event.preventDefault();
  showError(null);
  const body = { queue: queueValue(), limit: Number($('batch-size').value) };
  const community = communityValue();
  if (community) body.community = community;
  $('claim').disabled = true;
  try {
    const page = await api('POST', '/v1/queue/claim', body);
    const now = Date.now();
    for (const view of page.items) {
      state.communities.add(view.community);
      const entry = { id: view.item_id, view, state: 'leased', total: ms(view.lease_expires_at) - now };
      state.batch = state.batch.filter((e) => e.id !== view.item_id).concat(entry);
    }
    state.announced.clear();
    renderBatch();
    if (!page.items.length) {
      say(`Nothing to claim in ${queueValue()}${community ? ` for ${community}` : ''}.`);
      return;
    }
    const first = page.items[0].item_id;
    say(`Claimed ${page.items.length} item${page.items.length === 1 ? '' : 's'}; lease ends in ${spokenLeft(ms(page.items[0].lease_expires_at) - now)}.`);
    await loadWaiting();
    await openItem(first);
  } catch (e) {
    showError(e);
  } finally {
    $('claim').disabled = false;
  }
}

function snippet(view) {
  if (view.text == null) return 'Text removed';
  const chars = Array.from(view.text);
  return chars.length > 120 ? `${chars.slice(0, 120).join('')}…` : view.text;
}

function topCategories(view, n = 2) {
  return Object.entries(view.verdict.categories || {})
    .filter(([, s]) => s >= 0.3)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n);
}

function rowBadge(entry) {
  const v = entry.view;
  if (entry.state === 'expired') return h('span', { class: 'row-state badge badge-expired' }, 'lease expired');
  if (entry.state === 'escalated') return h('span', { class: 'row-state badge' }, 'escalated');
  if (entry.state === 'decided') {
    const removed = v.outcome === 'remove';
    return h('span', { class: `row-state badge ${removed ? 'badge-removed' : 'badge-decided'}` }, (OUTCOME_NAMES[v.outcome] || 'decided').toLowerCase());
  }
  return h('span', { class: 'row-state badge badge-leased' }, 'yours');
}

function itemRow(view, badge, done) {
  const current = view.item_id === state.current;
  const chips = topCategories(view).map(([c, s]) =>
    h('span', { class: `chip cat-${c}` }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), `${catName(c)} ${s.toFixed(2)}`));
  const button = h('button', {
    type: 'button', class: 'item-row', 'aria-current': current ? 'true' : 'false',
    'data-item': view.item_id, onclick: () => openItem(view.item_id),
  },
  h('span', { class: 'row-top' }, h('span', { class: 'row-id' }, view.content_id), badge),
  h('span', { class: 'row-text' }, snippet(view)),
  h('span', { class: 'row-meta' }, chips, reportChip(view), view.community ? h('span', { class: 'chip' }, view.community) : null));
  return h('li', { class: done ? 'row-done' : null }, button);
}

// Open user reports, at a glance: how many, and whether a trusted flagger is among them.
function reportChip(view) {
  const r = view.reports;
  if (!r || !r.open) return null;
  const text = `${r.open} report${r.open === 1 ? '' : 's'}${r.trusted ? ' · trusted' : ''}`;
  return h('span', { class: 'chip chip-reported', title: Object.keys(r.reasons).join(', ') }, text);
}

export function renderBatch() {
  sessionStorage.setItem(BATCH, JSON.stringify(state.batch.map((e) => e.id)));
  const list = $('batch');
  list.replaceChildren(...state.batch.map((e) => itemRow(e.view, rowBadge(e), e.state !== 'leased')));
  $('batch-empty').hidden = state.batch.length > 0;
  $('release-all').hidden = !state.batch.some((e) => e.state === 'leased');
}

export function renderWaiting() {
  const mine = new Set(state.batch.map((e) => e.id));
  const items = state.waiting.filter((v) => !mine.has(v.item_id));
  $('waiting').replaceChildren(...items.map((v) =>
    itemRow(v, h('span', { class: 'row-state badge', title: 'Priority' }, `P ${Number(v.priority || 0).toFixed(1)}`), false)));
  $('waiting-empty').hidden = items.length > 0;
  $('waiting-count').textContent = `${items.length}${state.nextCursor ? '+' : ''} in ${queueValue()}`;
  $('more').hidden = !state.nextCursor;
}

export function markCurrent() {
  for (const b of document.querySelectorAll('.item-row')) {
    b.setAttribute('aria-current', b.dataset.item === state.current ? 'true' : 'false');
  }
}

// ---- the batch --------------------------------------------------------------------

// After a reload: the items this tab had claimed, as they are now.
export async function restoreBatch() {
  let ids = [];
  try {
    ids = JSON.parse(sessionStorage.getItem(BATCH) || '[]');
  } catch {
    ids = [];
  }
  if (!Array.isArray(ids) || !ids.length) return;
  const views = await Promise.allSettled(ids.map((id) => api('GET', `/v1/items/${encodeURIComponent(id)}`)));
  state.batch = views.filter((r) => r.status === 'fulfilled').map(({ value: view }) => {
    let st = 'expired';
    if (holdsLease(view)) st = 'leased';
    else if (view.status === 'decided') st = 'decided';
    else if (view.queue === 'escalated' && view.undo) st = 'escalated';
    return { id: view.item_id, view, state: st, total: 0 };
  });
  renderBatch();
}

export const entryOf = (id) => state.batch.find((e) => e.id === id);

export function holdsLease(view) {
  return !!state.me && view.status === 'pending' && view.lease_holder === state.me.id && ms(view.lease_expires_at) > Date.now();
}

export async function release(ids) {
  const results = await Promise.allSettled(ids.map((id) => api('POST', `/v1/items/${encodeURIComponent(id)}/release`)));
  state.batch = state.batch.filter((e) => !ids.includes(e.id));
  const failures = results.filter((r) => r.status === 'rejected');
  if (failures.length) showError(failures[0].reason);
  say(`Released ${ids.length - failures.length} item${ids.length === 1 ? '' : 's'} back to the queue.`);
  if (ids.includes(state.current)) {
    state.current = null;
    state.item = null;
    $('item').hidden = true;
    $('item-empty').hidden = false;
  }
  renderBatch();
  await loadWaiting();
}

export function move(step) {
  const ids = state.batch.length ? state.batch.map((e) => e.id) : state.waiting.map((v) => v.item_id);
  if (!ids.length) {
    say('No items to move through: claim a batch.');
    return;
  }
  const at = ids.indexOf(state.current);
  let next = at === -1 ? (step > 0 ? 0 : ids.length - 1) : at + step;
  if (next < 0 || next >= ids.length) {
    say(step > 0 ? 'That was the last item.' : 'That was the first item.');
    return;
  }
  // Prefer the next item still to be decided when moving forward through a batch.
  if (step > 0 && state.batch.length) {
    const pending = ids.findIndex((id, i) => i >= next && entryOf(id).state === 'leased');
    if (pending !== -1) next = pending;
  }
  say(`Item ${next + 1} of ${ids.length}.`);
  openItem(ids[next]);
}

// ---- the lease clock ------------------------------------------------------------

export function tick() {
  const now = Date.now();
  let changed = false;
  for (const e of state.batch) {
    if (e.state === 'leased' && ms(e.view.lease_expires_at) <= now) {
      e.state = 'expired';
      changed = true;
    }
  }
  const leased = state.batch.filter((e) => e.state === 'leased');
  const pill = $('batch-lease');
  if (leased.length) {
    const left = Math.min(...leased.map((e) => ms(e.view.lease_expires_at))) - now;
    pill.hidden = false;
    pill.textContent = `Lease ${fmtLeft(left)}`;
    pill.setAttribute('aria-label', `Lease ends in ${spokenLeft(left)}`);
    pill.classList.toggle('low', left <= 60000);
    if (left <= 60000 && !state.announced.has('minute')) {
      state.announced.add('minute');
      say('One minute left on your lease.');
    }
  } else {
    pill.hidden = true;
  }
  if (changed) {
    renderBatch();
    if (!state.announced.has('expired')) {
      state.announced.add('expired');
      say('Your lease expired: unfinished items went back to the queue.');
    }
    if (state.item) renderDecision(state.item);
  }

  const view = state.item;
  if (!view) return;
  const lease = $('item-lease');
  if (view.status === 'pending' && view.lease_holder === state.me.id) {
    const left = ms(view.lease_expires_at) - now;
    const entry = entryOf(view.item_id);
    const total = entry && entry.total > 0 ? entry.total : Math.max(left, 300000);
    lease.hidden = false;
    lease.classList.toggle('low', left <= 60000);
    $('item-lease-text').textContent = left > 0 ? `${fmtLeft(left)} left on your lease` : 'Lease expired';
    $('item-lease-bar').value = Math.max(0, Math.min(1, left / total));
  } else {
    lease.hidden = true;
  }
  const bar = $('undo-bar');
  if (view.undo && view.undo.by === state.me.id) {
    const left = ms(view.undo.until) - now;
    bar.hidden = false;
    const what = view.status === 'decided' ? OUTCOME_NAMES[view.outcome] : 'Escalated';
    $('undo-text').textContent = left > 0
      ? `${what}. You can undo this for ${fmtLeft(left)}.`
      : `${what}. The lease has ended: this decision can no longer be undone.`;
    $('undo').hidden = left <= 0;
  } else {
    bar.hidden = true;
  }
}

