// The admin's editors for a community: its policy (as JSON, checked by the server) and
// its wordlist (blocked terms and allowed words).

import { api } from './api.js';
import { $, fieldError, h, plural, say } from './ui.js';

const CATEGORIES = ['toxicity', 'profanity', 'sexual', 'insult', 'identity_attack', 'threat', 'self_harm'];

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

export async function loadPolicy() {
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

export function parsePolicy() {
  try {
    return JSON.parse($('policy-json').value);
  } catch (e) {
    fieldError('policy-json', 'policy-error', `The policy is not valid JSON: ${e.message}`);
    $('policy-json').focus();
    return undefined;
  }
}

export async function savePolicy(event) {
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

export function termRow(term = { text: '', category: 'profanity', severity: 'medium', mode: 'word' }) {
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

export async function loadWordlist() {
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

export async function saveWordlist(event) {
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

