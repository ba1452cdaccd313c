// The admin's audit log (`GET /v1/audit`): who created or revoked keys, changed a policy
// or a wordlist, exported or erased an author's data. Oldest first, a page at a time:
// "Load more" resumes after the last record the server read. Every value is shown as
// text.

import { api } from './api.js';
import { $, fieldError, fmtTime, h, plural, say, state } from './ui.js';

const PAGE = 50;

// Who acted, besides a key id: the first admin key at start-up, or `warden keys`.
const ACTOR_NAMES = { system: 'system (first admin key)', cli: 'cli (warden keys)' };

// Where the shown table stands: its filter, where the next page starts, and which load is
// the latest (an older answer arriving late is dropped).
const log = { community: '', next: 0, seq: 0 };

function auditActor(actor) {
  if (state.me && actor === state.me.id) return `${actor} (you)`;
  return ACTOR_NAMES[actor] || actor;
}

function auditRow(entry) {
  return h('tr', { 'data-seq': entry.seq },
    h('td', {}, h('time', { datetime: entry.at }, fmtTime(entry.at))),
    h('td', {}, auditActor(entry.actor)),
    h('td', {}, h('code', {}, entry.action)),
    h('td', {}, h('code', {}, entry.target)),
    h('td', {}, entry.community || '—'));
}

// The first page for the community named in the filter (empty: every community in the
// key's scope), or with `more`, the page after the rows shown.
export async function loadAudit(more = false) {
  if (!more) {
    log.community = $('audit-community').value.trim();
    log.next = 0;
  }
  const params = new URLSearchParams({ after: String(log.next), limit: String(PAGE) });
  if (log.community) params.set('community', log.community);
  const seq = ++log.seq;
  fieldError('audit-community', 'audit-error', '');
  $('audit-more').disabled = true;
  try {
    const page = await api('GET', `/v1/audit?${params}`);
    if (seq !== log.seq) return;
    const rows = page.entries.map(auditRow);
    if (more) $('audit-rows').append(...rows);
    else $('audit-rows').replaceChildren(...rows);
    log.next = page.next;
    const shown = $('audit-rows').children.length;
    $('audit-table').hidden = shown === 0;
    $('audit-empty').hidden = shown > 0;
    // A full page may have more behind it; a short one reached the end of the log.
    $('audit-more').hidden = page.entries.length < PAGE;
    const where = log.community ? ` for ${log.community}` : '';
    say(more
      ? `Loaded ${plural(page.entries.length, 'more audit record', 'more audit records')}${where}.`
      : `Loaded ${plural(shown, 'audit record', 'audit records')}${where}.`);
  } catch (e) {
    if (seq !== log.seq) return;
    fieldError('audit-community', 'audit-error', e.message);
    if (!more) {
      // Refused: show nothing rather than the rows of an earlier filter.
      $('audit-rows').replaceChildren();
      $('audit-table').hidden = true;
      $('audit-empty').hidden = true;
      $('audit-more').hidden = true;
    }
  } finally {
    if (seq === log.seq) $('audit-more').disabled = false;
  }
}
