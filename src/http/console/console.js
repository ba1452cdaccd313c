// Warden moderator console: plain JavaScript, no dependencies, no build step.
//
// It talks to the same JSON API as any client, with the API key from this tab's session
// storage in the Authorization header (never in a URL). Everything shown is built with
// DOM calls and textContent, never parsed as HTML, so user text cannot become markup;
// the page's Content-Security-Policy forbids inline code besides.
'use strict';

(() => {
  const KEY = 'warden.key';
  // The ids of the items claimed in this tab, so a reload finds its batch again.
  const BATCH = 'warden.batch';
  const CATEGORIES = ['toxicity', 'profanity', 'sexual', 'insult', 'identity_attack', 'threat', 'self_harm'];
  const CATEGORY_NAMES = {
    toxicity: 'Toxicity', profanity: 'Profanity', sexual: 'Sexual', insult: 'Insult',
    identity_attack: 'Identity attack', threat: 'Threat', self_harm: 'Self-harm', pii: 'Personal data',
  };
  const SOURCE_NAMES = { wordlist: 'wordlist', custom: 'community term', pii: 'detector', model: 'model' };
  const EVENT_NAMES = {
    submitted: 'Submitted', auto_decided: 'Decided automatically', claimed: 'Claimed',
    released: 'Released', expired: 'Lease expired', decided: 'Decided', escalated: 'Escalated',
    appealed: 'Appealed', reversed: 'Reversed on appeal', undone: 'Decision undone',
    pii_revealed: 'Personal data revealed', erased: 'Author data erased',
    text_expired: 'Text dropped (retention)', ownership_changed: 'Author changed (ownership change)',
  };
  const OUTCOME_NAMES = { allow: 'Approved', label: 'Labelled', remove: 'Removed' };
  const DONE = { approve: 'Approved', remove: 'Removed', label: 'Labelled', escalate: 'Escalated' };
  // The API wants a reason with every decision; the console asks for one only to remove
  // and otherwise records what the button said.
  const DEFAULT_REASON = {
    approve: () => 'Approved in review: no violation found',
    label: (labels) => `Labelled in review: ${labels.join(', ')}`,
    escalate: () => 'Escalated for a second opinion',
  };

  const state = {
    me: null,
    view: 'queue',
    batch: [], // {id, view, state: leased|decided|escalated|expired, total}
    waiting: [],
    nextCursor: null,
    current: null, // the open item's id
    item: null, // the open item's view
    openSeq: 0,
    communities: new Set(),
    announced: new Set(),
  };

  const $ = (id) => document.getElementById(id);

  // ---- small helpers ------------------------------------------------------------

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v == null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c == null || c === false) continue;
      el.append(c instanceof Node ? c : String(c));
    }
    return el;
  }

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    const key = sessionStorage.getItem(KEY);
    if (key) headers.Authorization = `Bearer ${key}`;
    const init = { method, headers, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch {
      throw new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');
    }
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!res.ok) {
      const err = (data && data.error) || {};
      if (res.status === 401 && state.me) signOut('Your key is no longer accepted: sign in again.');
      throw new ApiError(res.status, err.code || `http_${res.status}`, err.message || res.statusText);
    }
    return data;
  }

  function say(message) {
    $('status').textContent = message;
  }

  function showError(error) {
    const a = $('alert');
    // Signed out meanwhile (a 401): the sign-in form says why.
    if (error && !state.me) return;
    if (!error) {
      a.hidden = true;
      a.textContent = '';
      return;
    }
    a.textContent = error instanceof ApiError ? error.message : String(error.message || error);
    a.hidden = false;
  }

  function fieldError(inputs, box, message) {
    for (const id of [].concat(inputs)) {
      const el = $(id);
      if (el) el.setAttribute('aria-invalid', message ? 'true' : 'false');
    }
    $(box).textContent = message || '';
    $(box).hidden = !message;
  }

  const ms = (ts) => (ts ? Date.parse(ts) : NaN);

  function fmtTime(ts) {
    const d = new Date(ts);
    if (Number.isNaN(d.getTime())) return '';
    return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  }

  function fmtAgo(ts) {
    const s = Math.round((Date.now() - ms(ts)) / 1000);
    if (!Number.isFinite(s)) return '';
    if (s < 60) return 'just now';
    if (s < 3600) return `${Math.floor(s / 60)} min ago`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
    return `${Math.floor(s / 86400)} d ago`;
  }

  function fmtLeft(millis) {
    const s = Math.max(0, Math.ceil(millis / 1000));
    const m = Math.floor(s / 60);
    return `${m}:${String(s % 60).padStart(2, '0')}`;
  }

  function spokenLeft(millis) {
    const s = Math.max(0, Math.ceil(millis / 1000));
    const m = Math.floor(s / 60);
    if (m === 0) return `${s} seconds`;
    return s % 60 ? `${m} minutes ${s % 60} seconds` : `${m} minutes`;
  }

  function time(ts) {
    return h('time', { datetime: ts, title: fmtTime(ts) }, fmtAgo(ts));
  }

  const catName = (c) => CATEGORY_NAMES[c] || c;
  const actorName = (a) => (a === 'system' ? 'Warden' : state.me && a === state.me.id ? 'you' : a);

  // ---- signing in and out ---------------------------------------------------------

  async function signIn(event) {
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

  function start(me) {
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

  // After a reload: the items this tab had claimed, as they are now.
  async function restoreBatch() {
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

  async function signOut(message) {
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
    for (const id of ['queue-view', 'policy-view', 'wordlist-view']) $(id).hidden = true;
    $('signin-view').hidden = false;
    $('item').hidden = true;
    $('item-empty').hidden = false;
    showError(null);
    fieldError('key', 'key-error', message || '');
    say(message ? '' : 'Signed out.');
    $('key').focus();
  }

  // ---- views ----------------------------------------------------------------------

  function showView(name, focus = true) {
    state.view = name;
    for (const v of ['queue', 'policy', 'wordlist']) $(`${v}-view`).hidden = v !== name;
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
    } else if (focus) {
      $(allCommunities() ? 'community-input' : 'community-select').focus();
    }
  }

  // ---- communities and the queue --------------------------------------------------

  const allCommunities = () => !!state.me && state.me.communities.includes('*');
  const firstCommunity = () => [...state.communities][0] || '';

  function setUpCommunities() {
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

  function communityValue() {
    return (allCommunities() ? $('community-input').value : $('community-select').value).trim();
  }

  function queueValue() {
    return $('queue').value;
  }

  async function loadWaiting(append = false) {
    const params = new URLSearchParams({ queue: queueValue(), limit: '50' });
    const community = communityValue();
    if (community) params.set('community', community);
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

  async function claim(event) {
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
    h('span', { class: 'row-meta' }, chips, view.community ? h('span', { class: 'chip' }, view.community) : null));
    return h('li', { class: done ? 'row-done' : null }, button);
  }

  function renderBatch() {
    sessionStorage.setItem(BATCH, JSON.stringify(state.batch.map((e) => e.id)));
    const list = $('batch');
    list.replaceChildren(...state.batch.map((e) => itemRow(e.view, rowBadge(e), e.state !== 'leased')));
    $('batch-empty').hidden = state.batch.length > 0;
    $('release-all').hidden = !state.batch.some((e) => e.state === 'leased');
  }

  function renderWaiting() {
    const mine = new Set(state.batch.map((e) => e.id));
    const items = state.waiting.filter((v) => !mine.has(v.item_id));
    $('waiting').replaceChildren(...items.map((v) =>
      itemRow(v, h('span', { class: 'row-state badge', title: 'Priority' }, `P ${Number(v.priority || 0).toFixed(1)}`), false)));
    $('waiting-empty').hidden = items.length > 0;
    $('waiting-count').textContent = `${items.length}${state.nextCursor ? '+' : ''} in ${queueValue()}`;
    $('more').hidden = !state.nextCursor;
  }

  function markCurrent() {
    for (const b of document.querySelectorAll('.item-row')) {
      b.setAttribute('aria-current', b.dataset.item === state.current ? 'true' : 'false');
    }
  }

  // ---- one item -------------------------------------------------------------------

  const entryOf = (id) => state.batch.find((e) => e.id === id);

  function holdsLease(view) {
    return !!state.me && view.status === 'pending' && view.lease_holder === state.me.id && ms(view.lease_expires_at) > Date.now();
  }

  function canDecide(view) {
    return !!view && view.status === 'pending' && (holdsLease(view) || state.me.role === 'admin');
  }

  async function openItem(id, { reveal = false, focus = true } = {}) {
    const seq = ++state.openSeq;
    state.current = id;
    markCurrent();
    showError(null);
    try {
      const view = await api('GET', `/v1/items/${encodeURIComponent(id)}${reveal ? '?reveal=pii' : ''}`);
      if (seq !== state.openSeq) return;
      showItem(view);
      if (reveal) say('Personal data revealed. The reveal is recorded in the item’s history.');
      if (focus) $('item-title').focus();
    } catch (e) {
      if (seq === state.openSeq) showError(e);
    }
  }

  // Shows `view` as the open item and reloads what goes with it.
  function showItem(view) {
    state.item = view;
    state.current = view.item_id;
    const entry = entryOf(view.item_id);
    if (entry) {
      entry.view = view;
      if (holdsLease(view)) entry.state = 'leased';
    }
    $('item-empty').hidden = true;
    $('item').hidden = false;
    renderItem(view);
    renderBatch();
    renderWaiting();
    markCurrent();
    loadDetails(view.item_id);
  }

  function renderItem(view) {
    $('item-title').textContent = `Item ${view.content_id}`;
    const badge = $('item-state');
    if (view.status === 'decided') {
      badge.className = `badge ${view.outcome === 'remove' ? 'badge-removed' : 'badge-decided'}`;
      badge.textContent = OUTCOME_NAMES[view.outcome] || 'Decided';
    } else if (holdsLease(view)) {
      badge.className = 'badge badge-leased';
      badge.textContent = 'Leased to you';
    } else if (view.lease_holder) {
      badge.className = 'badge';
      badge.textContent = 'Leased to another moderator';
    } else {
      badge.className = 'badge';
      badge.textContent = `Waiting in ${view.queue}`;
    }
    const facts = [
      ['Community', view.community],
      ['Queue', view.queue || '—'],
      ['Priority', view.priority != null ? Number(view.priority).toFixed(1) : '—'],
      ['Submitted', time(view.created_at)],
      ['Author', view.author_id == null ? 'erased' : view.author_id],
      ['Revision', String(view.revision)],
      ['Item id', h('code', {}, view.item_id)],
    ];
    if (view.labels && view.labels.length) facts.push(['Labels', view.labels.join(', ')]);
    $('item-facts').replaceChildren(...facts.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))));

    renderText(view);
    renderScores(view);
    renderDecision(view);
    tick();
  }

  // Offsets in a verdict are Unicode code points of the original text. A masked text has
  // each personal-data span replaced by `[kind]`; this maps original offsets into it,
  // checking each replacement is where the verdict says (else `null`: no inline marks).
  function maskMap(matches, chars) {
    const pii = matches.filter((m) => m.source === 'pii' && m.kind).sort((a, b) => a.start - b.start);
    const segs = [];
    let shift = 0;
    let last = 0;
    for (const m of pii) {
      if (m.start < last) continue;
      const token = `[${m.kind}]`;
      const len = Array.from(token).length;
      const at = m.start + shift;
      if (chars.slice(at, at + len).join('') !== token) return null;
      segs.push({ start: m.start, end: m.end, ms: at, me: at + len });
      shift += len - (m.end - m.start);
      last = m.end;
    }
    return (pos, isEnd) => {
      let delta = 0;
      for (const g of segs) {
        if (pos <= g.start) break;
        if (pos >= g.end) {
          delta = g.me - g.end;
          continue;
        }
        return isEnd ? g.me : g.ms;
      }
      return pos + delta;
    };
  }

  function matchLabel(m) {
    if (m.source === 'pii') return `${m.kind || 'personal data'} · ${SOURCE_NAMES.pii}`;
    return `${catName(m.category)} · ${SOURCE_NAMES[m.source] || m.source}`;
  }

  function renderText(view) {
    const box = $('item-text');
    const findings = $('findings');
    const matches = view.verdict.matches || [];
    box.replaceChildren();
    findings.replaceChildren();
    const masked = view.pii === 'masked';
    const hasPii = matches.some((m) => m.source === 'pii');
    $('reveal').hidden = !masked || !(holdsLease(view) || state.me.role === 'admin') || view.text == null;
    $('pii-note').textContent = masked
      ? (hasPii ? 'Personal data is masked. Revealing it is recorded in the item’s history.' : 'Personal data, if any, is masked.')
      : 'Personal data is shown: this reveal was recorded in the item’s history.';

    if (view.text == null) {
      const removed = view.text_removed;
      box.append(h('p', { class: 'text-removed' }, removed
        ? `The text was removed (${removed.reason}) ${fmtTime(removed.at)}.`
        : 'This item has no text.'));
    } else {
      const chars = Array.from(view.text);
      const map = masked ? maskMap(matches, chars) : (p) => p;
      if (!map) {
        box.append(view.text);
        findings.append(h('li', { class: 'note' }, 'The masked text does not line up with the findings: they are listed without highlights.'));
      } else {
        const spans = matches
          .map((m) => ({ m, s: map(m.start, false), e: map(m.end, true) }))
          .filter((x) => x.s >= 0 && x.e <= chars.length && x.e > x.s);
        const cuts = [...new Set([0, chars.length, ...spans.flatMap((x) => [x.s, x.e])])].sort((a, b) => a - b);
        for (let i = 0; i + 1 < cuts.length; i += 1) {
          const [a, b] = [cuts[i], cuts[i + 1]];
          const text = chars.slice(a, b).join('');
          const cover = spans.filter((x) => x.s <= a && x.e >= b);
          if (!cover.length) {
            box.append(text);
          } else {
            const pattern = cover.filter((x) => x.m.source === 'wordlist' || x.m.source === 'custom');
            const strongest = (pattern.length ? pattern : cover)
              .slice().sort((x, y) => (y.m.score || severity(y.m)) - (x.m.score || severity(x.m)))[0].m;
            const cls = ['hl', `cat-${strongest.category}`];
            if (pattern.length) cls.push('hl-pattern');
            if (cover.some((x) => x.m.source === 'model')) cls.push('hl-model');
            if (cover.some((x) => x.m.source === 'pii')) cls.push('hl-pii');
            box.append(h('mark', { class: cls.join(' ') }, text));
          }
          for (const x of spans.filter((y) => y.e === b)) {
            const cat = x.m.source === 'pii' ? 'pii' : x.m.category;
            box.append(h('span', { class: `tag cat-${cat}${x.m.source === 'model' ? ' tag-model' : ''}` }, matchLabel(x.m)));
          }
        }
      }
      for (const m of matches) {
        const start = map ? map(m.start, false) : null;
        const end = map ? map(m.end, true) : null;
        const quote = start != null ? chars.slice(start, end).join('') : '';
        const cat = m.source === 'pii' ? 'pii' : m.category;
        const detail = [m.severity, m.rule, m.score != null ? `p ${m.score.toFixed(2)}` : null,
          m.evasions && m.evasions.length ? `evasions: ${m.evasions.join(', ')}` : null].filter(Boolean).join(' · ');
        findings.append(h('li', { class: `cat-${cat}` },
          h('span', { class: 'chip' }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), matchLabel(m)),
          quote ? h('span', { class: 'quote' }, `“${quote}”`) : null,
          h('span', { class: 'detail' }, detail)));
      }
    }
    if (!matches.length) findings.append(h('li', { class: 'note' }, 'No findings: nothing matched a term, a detector or the model’s spans.'));
    for (const g of view.verdict.guards || []) findings.append(guardItem(g));
    // The classifier's work per text is bounded: say when it read only part of this one.
    const cov = view.verdict.model_coverage;
    if (cov) {
      findings.append(h('li', { class: 'guard' }, h('span', { class: 'chip' }, 'Model read part'),
        h('span', { class: 'quote' }, 'The text is long: the model read part of it; the word lists read all of it.'),
        h('span', { class: 'detail' }, `${cov.read_tokens} of ${cov.tokens} tokens`)));
    }
    if (view.appeal) {
      findings.append(h('li', {}, h('span', { class: 'chip' }, 'Appeal'),
        h('span', { class: 'quote' }, view.appeal.statement == null ? '(statement removed)' : `“${view.appeal.statement}”`),
        h('span', { class: 'detail' }, `appealed ${fmtAgo(view.appeal.at)}`)));
    }
  }

  // The engine's identity guard: say plainly why a model-only removal became a review.
  function guardItem(g) {
    const cf = g.counterfactual_score == null ? 'could not be scored' : g.counterfactual_score.toFixed(2);
    const said = g.effect === 'removal_to_review'
      ? 'Sent to review instead of removed: without the identity words the model would not act.'
      : 'Checked: the model still acts without the identity words.';
    return h('li', { class: 'guard' },
      h('span', { class: 'chip' }, 'Identity guard'),
      h('span', { class: 'quote' }, said),
      h('span', { class: 'detail' }, `terms: ${g.terms.join(', ')} · score ${g.score.toFixed(2)} · without them ${cf}`));
  }

  function severity(m) {
    return { low: 0.4, medium: 0.75, high: 0.95 }[m.severity] || 0;
  }

  function renderScores(view) {
    const entries = Object.entries(view.verdict.categories || {}).sort((a, b) => b[1] - a[1]);
    $('scores').replaceChildren(...entries.map(([c, s]) => {
      const fill = h('span');
      fill.style.setProperty('--v', String(Math.max(0, Math.min(1, s))));
      return h('li', { class: `cat-${c}` },
        h('span', {}, catName(c)),
        h('span', { class: 'bar', 'aria-hidden': 'true' }, fill),
        h('span', { class: 'score-value' }, s.toFixed(2)));
    }));
    if (view.verdict.model) {
      $('scores').append(h('li', { class: 'note' }, `Model ${view.verdict.model.name} ${view.verdict.model.version}`));
    }
  }

  function renderDecision(view) {
    const pending = view.status === 'pending';
    const allowed = canDecide(view);
    $('decision-form').hidden = !allowed;
    const note = $('decide-note');
    note.hidden = allowed;
    if (!pending) note.textContent = `Decided: ${OUTCOME_NAMES[view.outcome] || view.outcome}.`;
    else if (view.lease_holder && view.lease_holder !== state.me.id) note.textContent = 'Another moderator holds this item.';
    else if (view.lease_holder === state.me.id) note.textContent = 'Your lease on this item has expired: claim it again to decide it.';
    else note.textContent = 'Claim a batch to decide items: waiting items are read-only.';
    $('release').hidden = !holdsLease(view);
    document.querySelector('[data-action="escalate"]').disabled = view.queue === 'escalated';
    fieldError(['reason', 'labels'], 'decision-error', '');
  }

  async function loadDetails(id) {
    const enc = encodeURIComponent(id);
    const [events, history, rules] = await Promise.allSettled([
      api('GET', `/v1/items/${enc}/events`),
      api('GET', `/v1/items/${enc}/author-history?limit=10`),
      api('GET', `/v1/items/${enc}/suppressions`),
    ]);
    if (state.current !== id) return;
    renderEvents(events);
    renderHistory(history);
    renderRules(rules);
  }

  function failed(box, result) {
    box.replaceChildren(h('p', { class: 'field-error' }, `Could not load: ${result.reason.message}`));
  }

  function renderEvents(result) {
    const list = $('events');
    if (result.status !== 'fulfilled') return failed(list, result);
    list.replaceChildren(...result.value.events.slice().reverse().map((e) => {
      const bits = [];
      if (e.kind === 'undone') bits.push(`took back “${e.action}”, back in ${e.queue}`);
      else if (e.kind === 'reversed') bits.push(`${e.previous_outcome} → ${e.outcome}`);
      else if (e.outcome) bits.push(`outcome ${e.outcome}`);
      else if (e.action && e.kind !== 'escalated') bits.push(e.action);
      if (e.appeal) bits.push(`appeal ${e.appeal}`);
      if (e.queue && !['undone', 'escalated'].includes(e.kind)) bits.push(`queue ${e.queue}`);
      if (e.lease_expires_at) bits.push(`lease until ${new Date(e.lease_expires_at).toLocaleTimeString()}`);
      if (e.labels && e.labels.length) bits.push(`labels ${e.labels.join(', ')}`);
      if (e.action_taken) bits.push(`action ${e.action_taken}`);
      return h('li', { class: `ev-${e.kind}` },
        h('div', { class: 'ev-head' },
          h('span', { class: 'ev-kind' }, EVENT_NAMES[e.kind] || e.kind),
          h('span', { class: 'ev-meta' }, 'by ', actorName(e.actor), ' · ', time(e.at))),
        bits.length ? h('div', { class: 'ev-detail' }, bits.join(' · ')) : null,
        e.reason ? h('div', { class: 'ev-detail' }, `Reason: ${e.reason}`) : null,
        e.note ? h('div', { class: 'ev-detail' }, `Note: ${e.note}`) : null);
    }));
  }

  function renderHistory(result) {
    const box = $('author-history');
    if (result.status !== 'fulfilled') return failed(box, result);
    const history = result.value;
    if (state.item && state.item.author_id == null) {
      box.replaceChildren(h('p', { class: 'note' }, 'The author’s data was erased: no history is kept.'));
      return;
    }
    const counts = Object.entries(history.counts || {});
    if (!history.decisions.length) {
      box.replaceChildren(h('p', { class: 'note' }, 'No decisions on this author’s other items in this community.'));
      return;
    }
    box.replaceChildren(
      h('div', { class: 'history-summary' }, counts.map(([o, n]) =>
        h('span', { class: `badge ${o === 'remove' ? 'badge-removed' : o === 'allow' ? 'badge-decided' : ''}` }, `${n} ${(OUTCOME_NAMES[o] || o).toLowerCase()}`)),
      history.truncated ? h('span', { class: 'badge' }, 'partial') : null),
      h('ul', { class: 'history' }, history.decisions.map((d) => h('li', {},
        h('div', {}, h('strong', {}, OUTCOME_NAMES[d.outcome] || d.outcome || d.kind), ' · ', h('code', {}, d.content_id),
          d.category ? ` · ${catName(d.category)}` : ''),
        h('div', { class: 'when' }, d.kind === 'auto_decided' ? 'automatically' : `by ${actorName(d.actor)}`, ' · ', time(d.at)),
        d.reason ? h('div', {}, d.reason) : null))));
  }

  function renderRules(result) {
    const box = $('rules');
    if (result.status !== 'fulfilled') return failed(box, result);
    const rules = result.value.rules;
    if (!rules.length) {
      box.replaceChildren(h('p', { class: 'note' }, 'This item produced no suppression rules.'));
      return;
    }
    box.replaceChildren(h('ul', { class: 'rules' }, rules.map((r) => h('li', { class: 'rule' },
      h('div', { class: 'rule-head' },
        h('code', {}, r.rule_id),
        h('span', { class: `badge rule-${r.state}` }, r.state),
        h('span', {}, `${r.subject.kind} ${r.subject.id}`),
        h('span', { class: 'muted' }, `${r.reason.source.replace('_', ' ')}: ${catName(r.reason.category)}`)),
      h('div', { class: 'scopes' }, r.scopes.map((s) => h('span', { class: 'chip' }, `no ${s.replace('_', ' ')}`))),
      h('div', { class: 'muted' }, 'created ', time(r.created_at),
        r.state !== 'active' ? [' · ended ', time(r.changed_at)] : null,
        r.expires_at ? [' · expires ', fmtTime(r.expires_at)] : null)))));
  }

  // ---- deciding -------------------------------------------------------------------

  async function decide(action) {
    const view = state.item;
    if (!view || !canDecide(view)) {
      say(view && view.status === 'decided' ? 'This item is already decided.' : 'Claim the item before deciding it.');
      return;
    }
    const reason = $('reason').value.trim();
    const labels = $('labels').value.split(',').map((s) => s.trim()).filter(Boolean);
    fieldError(['reason', 'labels'], 'decision-error', '');
    if (action === 'remove' && !reason) {
      fieldError('reason', 'decision-error', 'A reason is required to remove an item.');
      $('reason').focus();
      return;
    }
    if (action === 'label' && !labels.length) {
      fieldError('labels', 'decision-error', 'Name at least one label to label the item.');
      $('labels').focus();
      return;
    }
    const body = { action, reason: reason || DEFAULT_REASON[action](labels) };
    if (action === 'label') body.labels = labels;
    const buttons = document.querySelectorAll('#decision-form button');
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const updated = await api('POST', `/v1/items/${encodeURIComponent(view.item_id)}/decision`, body);
      $('reason').value = '';
      $('labels').value = '';
      const entry = entryOf(updated.item_id);
      if (entry) entry.state = action === 'escalate' ? 'escalated' : 'decided';
      showItem(updated);
      say(`${DONE[action]} ${updated.content_id}.${updated.undo ? ` You can undo it for ${spokenLeft(ms(updated.undo.until) - Date.now())}.` : ''}`);
      loadWaiting();
      $('next').focus();
    } catch (e) {
      if (e.code === 'lease_conflict') {
        const entry = entryOf(view.item_id);
        if (entry) entry.state = 'expired';
        renderBatch();
      }
      fieldError([], 'decision-error', e.message);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
      if (state.item) renderDecision(state.item);
    }
  }

  async function undo() {
    const view = state.item;
    if (!view || !view.undo || view.undo.by !== state.me.id) {
      say('There is no decision of yours to undo on this item.');
      return;
    }
    try {
      const updated = await api('POST', `/v1/items/${encodeURIComponent(view.item_id)}/undo`);
      const entry = entryOf(updated.item_id);
      if (entry) entry.state = 'leased';
      else state.batch.push({ id: updated.item_id, view: updated, state: 'leased', total: ms(updated.lease_expires_at) - Date.now() });
      showItem(updated);
      say(`Decision undone: ${updated.content_id} is yours again for ${spokenLeft(ms(updated.lease_expires_at) - Date.now())}.`);
      loadWaiting();
      $('item-title').focus();
    } catch (e) {
      showError(e);
      openItem(view.item_id, { focus: false });
    }
  }

  async function release(ids) {
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

  function move(step) {
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

  function tick() {
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

  // ---- admin editors --------------------------------------------------------------

  function editorCommunity(name) {
    const input = $(`${name}-community`);
    const c = input.value.trim();
    if (!c) {
      fieldError(`${name}-community`, `${name}-error`, 'Name the community first.');
      input.focus();
      return null;
    }
    return c;
  }

  async function loadPolicy() {
    const c = editorCommunity('policy');
    if (!c) return;
    fieldError(['policy-community', 'policy-json'], 'policy-error', '');
    try {
      const policy = await api('GET', `/v1/communities/${encodeURIComponent(c)}/policy`);
      $('policy-json').value = JSON.stringify(policy, null, 2);
      say(`Loaded the policy of ${c}.`);
    } catch (e) {
      fieldError('policy-community', 'policy-error', e.message);
    }
  }

  function parsePolicy() {
    try {
      return JSON.parse($('policy-json').value);
    } catch (e) {
      fieldError('policy-json', 'policy-error', `The policy is not valid JSON: ${e.message}`);
      $('policy-json').focus();
      return undefined;
    }
  }

  async function savePolicy(event) {
    event.preventDefault();
    const c = editorCommunity('policy');
    if (!c) return;
    fieldError(['policy-community', 'policy-json'], 'policy-error', '');
    const policy = parsePolicy();
    if (policy === undefined) return;
    try {
      const saved = await api('PUT', `/v1/communities/${encodeURIComponent(c)}/policy`, policy);
      $('policy-json').value = JSON.stringify(saved, null, 2);
      say(`Saved the policy of ${c}. It applies to content submitted from now on.`);
    } catch (e) {
      fieldError('policy-json', 'policy-error', e.message);
      $('policy-json').focus();
    }
  }

  let termSeq = 0;

  function selectOf(id, values, value) {
    return h('select', { id }, values.map((v) => h('option', { value: v, selected: v === value }, v.replace('_', ' '))));
  }

  function termRow(term = { text: '', category: 'profanity', severity: 'medium', mode: 'word' }) {
    const n = (termSeq += 1);
    const field = (label, control, cls) => h('div', { class: `field ${cls || ''}` }, h('label', { for: control.id }, label), control);
    const text = h('input', { id: `term-text-${n}`, type: 'text', value: term.text, autocomplete: 'off', spellcheck: 'false' });
    const li = h('li', { class: 'term' },
      field('Term', text, 'term-text'),
      field('Category', selectOf(`term-category-${n}`, CATEGORIES, term.category)),
      field('Severity', selectOf(`term-severity-${n}`, ['low', 'medium', 'high'], term.severity)),
      field('Match', selectOf(`term-mode-${n}`, ['word', 'prefix', 'suffix', 'any'], term.mode || 'word')));
    li.append(h('button', {
      type: 'button', class: 'btn btn-small', 'aria-label': `Remove term ${n}`,
      onclick: () => {
        li.remove();
        say('Term removed (not saved yet).');
        $('add-term').focus();
      },
    }, 'Remove'));
    li.dataset.n = String(n);
    return li;
  }

  const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

  async function loadWordlist() {
    const c = editorCommunity('wordlist');
    if (!c) return;
    fieldError('wordlist-community', 'wordlist-error', '');
    try {
      const list = await api('GET', `/v1/communities/${encodeURIComponent(c)}/wordlist`);
      $('terms').replaceChildren(...(list.block || []).map(termRow));
      $('allow').value = (list.allow || []).join('\n');
      say(`Loaded the wordlist of ${c}: ${plural((list.block || []).length, 'blocked term', 'blocked terms')}.`);
    } catch (e) {
      fieldError('wordlist-community', 'wordlist-error', e.message);
    }
  }

  async function saveWordlist(event) {
    event.preventDefault();
    const c = editorCommunity('wordlist');
    if (!c) return;
    fieldError('wordlist-community', 'wordlist-error', '');
    const block = [...$('terms').children].map((li) => {
      const n = li.dataset.n;
      return {
        text: $(`term-text-${n}`).value.trim(),
        category: $(`term-category-${n}`).value,
        severity: $(`term-severity-${n}`).value,
        mode: $(`term-mode-${n}`).value,
      };
    }).filter((t) => t.text);
    const allow = $('allow').value.split('\n').map((s) => s.trim()).filter(Boolean);
    try {
      const saved = await api('PUT', `/v1/communities/${encodeURIComponent(c)}/wordlist`, { block, allow });
      $('terms').replaceChildren(...saved.block.map(termRow));
      say(`Saved the wordlist of ${c}: ${plural(saved.block.length, 'blocked term', 'blocked terms')}, effective now.`);
    } catch (e) {
      fieldError([], 'wordlist-error', e.message);
    }
  }

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
    if (!state.me || $('help').open) return;
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
    $('help-close').addEventListener('click', () => $('help').close());
    document.addEventListener('keydown', onKey);
  }

  async function boot() {
    wire();
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
})();
