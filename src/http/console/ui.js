// What every part of the console shares: the tab's state, building DOM nodes (`h`, text
// only, never HTML), the status line, error messages, and formatting of times and names.

import { ApiError } from './api.js';

const CATEGORY_NAMES = {
  toxicity: 'Toxicity', profanity: 'Profanity', sexual: 'Sexual', insult: 'Insult',
  identity_attack: 'Identity attack', threat: 'Threat', self_harm: 'Self-harm', pii: 'Personal data',
};
export const OUTCOME_NAMES = { allow: 'Approved', label: 'Labelled', remove: 'Removed' };

// Who is signed in, which view is showing, the batch this tab holds, the waiting list,
// and the open item.
export const state = {
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

// ---- small helpers ------------------------------------------------------------

export const $ = (id) => document.getElementById(id);

export function h(tag, props, ...children) {
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

export function say(message) {
  $('status').textContent = message;
}

export function showError(error) {
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

export function fieldError(inputs, box, message) {
  for (const id of [].concat(inputs)) {
    const el = $(id);
    if (el) el.setAttribute('aria-invalid', message ? 'true' : 'false');
  }
  $(box).textContent = message || '';
  $(box).hidden = !message;
}

export const ms = (ts) => (ts ? Date.parse(ts) : NaN);

export function fmtTime(ts) {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function fmtAgo(ts) {
  const s = Math.round((Date.now() - ms(ts)) / 1000);
  if (!Number.isFinite(s)) return '';
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function fmtLeft(millis) {
  const s = Math.max(0, Math.ceil(millis / 1000));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

export function spokenLeft(millis) {
  const s = Math.max(0, Math.ceil(millis / 1000));
  const m = Math.floor(s / 60);
  if (m === 0) return `${s} seconds`;
  return s % 60 ? `${m} minutes ${s % 60} seconds` : `${m} minutes`;
}

export function time(ts) {
  return h('time', { datetime: ts, title: fmtTime(ts) }, fmtAgo(ts));
}

export const catName = (c) => CATEGORY_NAMES[c] || c;
export const actorName = (a) => (a === 'system' ? 'Warden' : state.me && a === state.me.id ? 'you' : a);

export const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
