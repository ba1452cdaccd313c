// The operations dashboard: queues now, queue depth over time, waiting-item ages over
// time (from the periodic queue samples) and decisions per action as charts (uPlot, served by Warden itself and loaded on first use), times to first claim
// and to decision, decisions per moderator, rates, and how many high-severity items this
// tab's moderator has looked at in this session.

import { api } from './api.js';
import { $, fieldError, h, say, showError, state } from './ui.js';

const SEVERE = 'warden.severe_seen';
const QUEUE_COLORS = { review: '#2f6fde', escalated: '#b5541c', appeals: '#7a4bc2' };
const charts = [];
let uplotLoading = null;

// ---- wellbeing: the session's count of high-severity items --------------------------

// Items whose matches include a high-severity slur, threat or sexual term.
export function isSevere(view) {
  return (view.verdict.matches || []).some((m) => m.severity === 'high'
    && ['identity_attack', 'threat', 'sexual'].includes(m.category));
}

export function countSevere(view) {
  if (!isSevere(view)) return;
  const seen = new Set(JSON.parse(sessionStorage.getItem(SEVERE) || '[]'));
  seen.add(view.item_id);
  sessionStorage.setItem(SEVERE, JSON.stringify([...seen]));
}

export function severeSeen() {
  return JSON.parse(sessionStorage.getItem(SEVERE) || '[]').length;
}

// ---- charts -----------------------------------------------------------------------

function loadUplot() {
  if (window.uPlot) return Promise.resolve(window.uPlot);
  if (!uplotLoading) {
    uplotLoading = new Promise((resolve, reject) => {
      document.head.append(h('link', { rel: 'stylesheet', href: '/console/uplot.min.css' }));
      const s = h('script', { src: '/console/uplot.min.js' });
      s.addEventListener('load', () => resolve(window.uPlot));
      s.addEventListener('error', () => reject(new Error('the chart library did not load')));
      document.head.append(s);
    });
  }
  return uplotLoading;
}

function chartWidth(box) {
  return Math.max(260, Math.min(box.clientWidth || 600, 900));
}

function depthChart(uPlot, box, points) {
  const queues = ['review', 'escalated', 'appeals'];
  const times = [...new Set(points.map((p) => Date.parse(p.at) / 1000))].sort((a, b) => a - b);
  const series = queues.map((q) => {
    const byTime = new Map(points.filter((p) => p.queue === q).map((p) => [Date.parse(p.at) / 1000, p.depth]));
    return times.map((t) => byTime.get(t) ?? null);
  });
  return new uPlot({
    width: chartWidth(box),
    height: 220,
    series: [{}, ...queues.map((q) => ({ label: q, stroke: QUEUE_COLORS[q], width: 2 }))],
    axes: [{}, { label: 'waiting' }],
    scales: { y: { range: (u, min, max) => [0, Math.max(1, max)] } },
  }, [times, ...series], box);
}

// Waiting-item ages per queue from the periodic samples (`queue_samples`): at each
// sample time, the oldest and the p90 age over the communities shown (the highest of
// them, since a team lead looks for the queue that is falling behind), in minutes.
function ageChart(uPlot, box, samples, from, to) {
  const queues = ['review', 'escalated', 'appeals'];
  const times = [...new Set(samples.map((p) => Date.parse(p.at) / 1000))].sort((a, b) => a - b);
  const highest = (q, field) => {
    const byTime = new Map();
    for (const p of samples.filter((s) => s.queue === q)) {
      const t = Date.parse(p.at) / 1000;
      const v = p[field] == null ? 0 : p[field] / 60;
      byTime.set(t, Math.max(byTime.get(t) ?? 0, v));
    }
    return times.map((t) => (byTime.has(t) ? byTime.get(t) : null));
  };
  const series = [];
  const data = [times];
  for (const q of queues) {
    series.push({ label: `${q} oldest`, stroke: QUEUE_COLORS[q], width: 2 });
    data.push(highest(q, 'oldest'));
    series.push({ label: `${q} p90`, stroke: QUEUE_COLORS[q], width: 1, dash: [4, 4] });
    data.push(highest(q, 'age_p90'));
  }
  return new uPlot({
    width: chartWidth(box),
    height: 220,
    series: [{}, ...series],
    axes: [{}, { label: 'minutes waiting' }],
    // The whole window, so a few samples sit where they were taken.
    scales: {
      x: { range: [Date.parse(from) / 1000, Date.parse(to) / 1000] },
      y: { range: (u, min, max) => [0, Math.max(1, max)] },
    },
  }, data, box);
}

function actionChart(uPlot, box, byAction) {
  const names = Object.keys(byAction);
  const xs = names.map((_, i) => i);
  return new uPlot({
    width: chartWidth(box),
    height: 200,
    series: [{}, { label: 'decisions', fill: '#2f6fde55', stroke: '#2f6fde', paths: uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.6, 60] }) : undefined, points: { show: true } }],
    scales: { x: { time: false, range: [-0.5, Math.max(0.5, names.length - 0.5)] }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
    axes: [{ splits: () => xs, values: (u, splits) => splits.map((i) => names[i] || '') }, { label: 'decisions' }],
    legend: { show: false },
  }, [xs, names.map((n) => byAction[n])], box);
}

// ---- tables -----------------------------------------------------------------------

function seconds(v) {
  if (v == null) return '—';
  if (v < 120) return `${v} s`;
  if (v < 7200) return `${Math.round(v / 60)} min`;
  if (v < 172800) return `${Math.round(v / 3600)} h`;
  return `${Math.round(v / 86400)} d`;
}

function table(id, head, rows) {
  const t = $(id);
  t.replaceChildren(
    h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.length ? rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))
      : h('tr', {}, h('td', { colspan: head.length, class: 'muted' }, 'Nothing yet.'))),
  );
}

function pct(v) {
  return v == null ? '—' : `${(v * 100).toFixed(1)} %`;
}

function render(r) {
  table('dash-queues', ['Community', 'Queue', 'Waiting', 'Age p50', 'Age p90', 'Oldest'],
    r.queues_now.map((q) => [q.community, q.queue, String(q.depth), seconds(q.age_p50), seconds(q.age_p90), seconds(q.oldest)]));
  table('dash-times', ['Queue', 'Entered', 'Claims', 'First claim p50 / p90', 'Decision p50 / p90'],
    r.queues.map((q) => [q.queue, String(q.entered), String(q.claims),
      `${seconds(q.time_to_first_claim.p50)} / ${seconds(q.time_to_first_claim.p90)}`,
      `${seconds(q.time_to_decision.p50)} / ${seconds(q.time_to_decision.p90)}`]));
  table('dash-moderators', ['Moderator', 'Decisions'],
    Object.entries(r.decisions.by_moderator).sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, String(n)]));
  const facts = [
    ['Moderator decisions', String(r.decisions.moderator)],
    ['Automatic decisions', String(r.decisions.automated)],
    ['Expired leases', String(r.expired_leases)],
    ['Undo rate', pct(r.undo_rate)],
    ['Appeal rate', pct(r.appeals.rate)],
    ['Appeals reversed', `${r.appeals.reversed} of ${r.appeals.upheld + r.appeals.reversed} (${pct(r.appeals.reversed_rate)})`],
  ];
  $('dash-rates').replaceChildren(...facts.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))));
}

async function drawCharts(r) {
  for (const c of charts.splice(0)) c.destroy();
  const depthBox = $('chart-depth');
  const actionBox = $('chart-actions');
  const ageBox = $('chart-age');
  depthBox.replaceChildren();
  actionBox.replaceChildren();
  ageBox.replaceChildren();
  $('chart-age-note').hidden = r.queue_samples.length > 0;
  try {
    const uPlot = await loadUplot();
    charts.push(depthChart(uPlot, depthBox, r.depth_over_time));
    charts.push(ageChart(uPlot, ageBox, r.queue_samples, r.from, r.to));
    charts.push(actionChart(uPlot, actionBox, r.decisions.by_action));
  } catch (e) {
    depthBox.append(h('p', { class: 'note' }, `Charts unavailable: ${e.message}`));
  }
}

export async function loadDashboard() {
  const community = $('dashboard-community').value.trim();
  const days = Number($('dashboard-days').value) || 7;
  const from = new Date(Date.now() - days * 86400000).toISOString();
  const q = new URLSearchParams({ from });
  if (community) q.set('community', community);
  fieldError('dashboard-community', 'dashboard-error', '');
  $('wellbeing').textContent = `High-severity items you have opened this session: ${severeSeen()}.`;
  try {
    const r = await api('GET', `/v1/reports/operations?${q}`);
    render(r);
    await drawCharts(r);
    $('dashboard-view').dataset.loaded = 'true';
    say(`Dashboard for ${community || 'all your communities'} over ${days} day${days === 1 ? '' : 's'}.`);
  } catch (e) {
    if (e.status === 404 || e.status === 400) fieldError('dashboard-community', 'dashboard-error', e.message);
    else showError(e);
  }
}

export function dashboardCommunity() {
  return state.communities.size === 1 ? [...state.communities][0] : '';
}
