// One item: opening it, its text with the findings marked, scores, events, the author's
// history and its suppression rules, and deciding it (approve, remove, label, escalate,
// undo).

import { api } from './api.js';
import { countSevere } from './dashboard.js';
import {
  entryOf, holdsLease, loadWaiting, markCurrent, renderBatch, renderWaiting, tick,
} from './queue.js';
import {
  $, OUTCOME_NAMES, actorName, catName, fieldError, fmtAgo, fmtTime, h, ms, say, showError, spokenLeft,
  state, time,
} from './ui.js';

const SOURCE_NAMES = { wordlist: 'wordlist', custom: 'community term', pii: 'detector', model: 'model' };
const EVENT_NAMES = {
  submitted: 'Submitted', auto_decided: 'Decided automatically', claimed: 'Claimed',
  released: 'Released', expired: 'Lease expired', decided: 'Decided', escalated: 'Escalated',
  appealed: 'Appealed', reversed: 'Reversed on appeal', undone: 'Decision undone',
  pii_revealed: 'Personal data revealed', erased: 'Personal data erased (author or reporter)',
  text_expired: 'Text dropped (retention)', ownership_changed: 'Author changed (ownership change)',
  reported: 'Reported by a user', report_resolved: 'Report resolved',
};
const DONE = { approve: 'Approved', remove: 'Removed', label: 'Labelled', escalate: 'Escalated' };
// The API wants a reason with every decision; the console asks for one only to remove
// and otherwise records what the button said.
const DEFAULT_REASON = {
  approve: () => 'Approved in review: no violation found',
  label: (labels) => `Labelled in review: ${labels.join(', ')}`,
  escalate: () => 'Escalated for a second opinion',
};

// ---- opening an item -----------------------------------------------------------

function canDecide(view) {
  return !!view && view.status === 'pending' && (holdsLease(view) || state.me.role === 'admin');
}

export async function openItem(id, { reveal = false, focus = true } = {}) {
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
  countSevere(view);
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
  applyBlur();
  $('bulk').hidden = view.author_id == null;
  if (state.bulkFor !== view.item_id) {
    state.bulkFor = view.item_id;
    $('bulk-count').textContent = '';
    $('bulk-remove').hidden = true;
  }
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
          // Blurred until hovered or focused (see `applyBlur`): focusable for that.
          const severe = cover.some((x) => isSevereMatch(x.m));
          if (severe) cls.push('severe');
          box.append(h('mark', { class: cls.join(' '), tabindex: severe ? 0 : null }, text));
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
        quote ? h('span', { class: isSevereMatch(m) ? 'quote severe' : 'quote', tabindex: isSevereMatch(m) ? 0 : null }, `“${quote}”`) : null,
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
  for (const r of (view.reports && view.reports.items) || []) findings.append(reportItem(r));
  if (view.appeal) {
    findings.append(h('li', {}, h('span', { class: 'chip' }, 'Appeal'),
      h('span', { class: 'quote' }, view.appeal.statement == null ? '(statement removed)' : `“${view.appeal.statement}”`),
      h('span', { class: 'detail' }, `appealed ${fmtAgo(view.appeal.at)}`)));
  }
}

// A user report: its reason, the reporter's words (masked like the text unless revealed),
// whether a trusted flagger sent it, how often that reporter was right, and its state.
function reportItem(r) {
  const who = r.trusted ? 'trusted flagger'
    : r.reporter_accuracy == null ? 'reporter erased' : `reporter right ${Math.round(r.reporter_accuracy * 100)}% of the time`;
  const detail = [r.status === 'open' ? 'open' : r.status.replace('_', ' '), who, `reported ${fmtAgo(r.at)}`].join(' · ');
  return h('li', { class: 'report' },
    h('span', { class: `chip${r.trusted ? ' chip-trusted' : ''}` }, `Report: ${r.reason.replace('_', ' ')}`),
    r.comment ? h('span', { class: 'quote' }, `“${r.comment}”`) : null,
    h('span', { class: 'detail' }, detail));
}

// The engine's guards: say plainly why a removal became a review, or that it was checked.
function guardItem(g) {
  if (g.kind === 'slur_context') {
    const said = g.effect === 'removal_to_review'
      ? 'Sent to review instead of removed: the sentence does not read as hostile without the word, so it may be a homonym or a reclaimed use.'
      : 'Checked: the sentence reads as hostile even without the word.';
    const without = g.counterfactual_score == null ? '–' : g.counterfactual_score.toFixed(2);
    return h('li', { class: 'guard' },
      h('span', { class: 'chip' }, 'Slur guard'),
      h('span', { class: 'quote' }, said),
      h('span', { class: 'detail' }, `rules: ${g.terms.join(', ')} · score ${g.score.toFixed(2)} · model ${g.model_score == null ? '–' : g.model_score.toFixed(2)} · without it ${without}`));
  }
  const cf = g.counterfactual_score == null ? 'could not be scored' : g.counterfactual_score.toFixed(2);
  const said = g.effect === 'removal_to_review'
    ? 'Sent to review instead of removed: without the identity words the model would not act.'
    : 'Checked: the model still acts without the identity words.';
  return h('li', { class: 'guard' },
    h('span', { class: 'chip' }, 'Identity guard'),
    h('span', { class: 'quote' }, said),
    h('span', { class: 'detail' }, `terms: ${g.terms.join(', ')} · score ${g.score.toFixed(2)} · without them ${cf}`));
}

// A high-severity slur, threat or sexual term: blurred for the moderator's sake unless
// they turned that off (a per-moderator setting, on by default).
function isSevereMatch(m) {
  return m.severity === 'high' && ['identity_attack', 'threat', 'sexual'].includes(m.category);
}

const blurKey = () => `warden.blur.${state.me ? state.me.id : ''}`;

export function blurOn() {
  return localStorage.getItem(blurKey()) !== 'off';
}

export function applyBlur() {
  $('item').classList.toggle('blur', blurOn());
  $('blur-toggle').checked = blurOn();
}

export function setBlur(on) {
  localStorage.setItem(blurKey(), on ? 'on' : 'off');
  applyBlur();
  say(on ? 'Severe terms are blurred until you hover or focus them.' : 'Severe terms are shown.');
}

// ---- bulk: all of this author's items in this community ------------------------------

function bulkRequest(dryRun) {
  const view = state.item;
  const reason = $('reason').value.trim() || 'Removed in bulk: all of this author’s items in this community';
  return {
    filter: { community: view.community, author_id: view.author_id },
    action: 'remove', reason, dry_run: dryRun,
  };
}

export async function bulkCount() {
  const view = state.item;
  if (!view || view.author_id == null) return;
  $('bulk-remove').hidden = true;
  try {
    const r = await api('POST', '/v1/items:bulk', bulkRequest(true));
    state.bulkCount = r.decided;
    $('bulk-count').textContent = `${r.matched} item${r.matched === 1 ? '' : 's'} by this author in ${view.community}: ${r.decided} would be removed, ${r.unchanged} already are${r.failed ? `, ${r.failed} cannot be (leased to someone else)` : ''}.`;
    $('bulk-remove').textContent = `Remove ${r.decided} item${r.decided === 1 ? '' : 's'}`;
    $('bulk-remove').hidden = r.decided === 0;
  } catch (e) {
    showError(e);
  }
}

export function bulkConfirm() {
  const view = state.item;
  $('bulk-confirm-text').textContent = `Remove ${state.bulkCount} item${state.bulkCount === 1 ? '' : 's'} by ${view.author_id} in ${view.community}? Each is recorded as your decision.`;
  $('bulk-confirm').showModal();
  $('bulk-confirm-no').focus();
}

export async function bulkRemove() {
  $('bulk-confirm').close();
  try {
    const r = await api('POST', '/v1/items:bulk', bulkRequest(false));
    $('bulk-count').textContent = `Removed ${r.decided} item${r.decided === 1 ? '' : 's'} (bulk ${r.bulk_id})${r.failed ? `; ${r.failed} could not be` : ''}.`;
    $('bulk-remove').hidden = true;
    say(`Removed ${r.decided} items of this author.`);
    await loadWaiting();
    if (state.item) await openItem(state.item.item_id, { focus: false });
  } catch (e) {
    showError(e);
  }
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

export function renderDecision(view) {
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

export async function decide(action) {
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

export async function undo() {
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

