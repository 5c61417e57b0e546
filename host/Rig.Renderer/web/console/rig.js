// One rig's session live (GET /api/rigs/{id}): counts, the task's charts, sync health and the recorder's counters.
import { fmt, ago, poll, cell } from './common.js';
import { drawRasters, drawFirstLicks, drawSpeed, drawCorridors, corridorHeader } from './charts.js';

const rig = decodeURIComponent(location.pathname.split('/').pop());
document.getElementById('title').textContent = `Rig ${rig}`;
document.title = `Rig console: ${rig}`;
document.getElementById('corridors').innerHTML = corridorHeader;
const $ = id => document.getElementById(id);

function rows(table, pairs) {
  table.querySelector('tbody').replaceChildren(...pairs.map(([k, v, bad]) => {
    const tr = document.createElement('tr');
    tr.append(cell(k, 'text'), cell(v, bad ? 'bad' : ''));
    return tr;
  }));
}

function draw(r) {
  const state = $('state');
  state.textContent = `${r.state} (${ago(r.since_seconds)})`;
  state.parentElement.className = `tile ${r.state}`;
  $('trials').textContent = fmt(r.trials);
  $('licks').textContent = fmt(r.licks);
  $('rewards').textContent = fmt(r.rewards);
  $('water').textContent = fmt(r.water_ul, 1);
  $('frames').textContent = fmt(r.frames);
  $('rate').textContent = fmt(r.events_per_second);
  $('session').textContent = `session ${r.session ?? '–'}, protocol ${r.protocol ?? '–'}, firmware ${r.firmware ?? '–'}`
    + (r.last_error ? ` — last error: ${r.last_error}` : '');
  if (r.task) {
    $('difference').textContent = fmt(r.task.anticipatory_difference, 2);
    drawCorridors($('corridors'), r.task);
    drawRasters($('rasters'), r.task);
    drawFirstLicks($('firstlicks'), r.task);
    drawSpeed($('speed'), r.task.speed);
  }
  const s = r.sync ?? {};
  rows($('sync'), [
    ['clock exchanges (rejected)', `${fmt(s.exchanges)} (${fmt(s.rejected)})`],
    ['clock residual (µs)', fmt(s.residual_us, 1)],
    ['device clock rate error (ppm)', fmt(s.rate_error_ppm, 1)],
    ['events aligned / settled', `${fmt(s.aligned)} / ${fmt(s.settled)}`],
    ['frame clock (Hz)', fmt(r.frame_rate_hz, 1)],
    ['late frame edges', fmt(s.late_frame_edges), s.late_frame_edges > 0],
    ['device buffer (s, estimated)', fmt(r.buffer_fill_seconds, 1)],
    ['VR frames dropped', r.vr ? fmt(r.vr.dropped) : '–', r.vr?.dropped > 0],
  ]);
  const c = r.recorder ?? {};
  const reasons = Object.entries(c.malformed ?? {}).map(([k, v]) => [`malformed: ${k}`, fmt(v), true]);
  const suspicious = Object.entries(c.suspicious ?? {}).map(([k, v]) => [`suspicious: ${k}`, fmt(v), true]);
  rows($('recorder'), [
    ['batches received', fmt(c.batches_received)],
    ['missing / lost batches', `${fmt(r.missing_batches)} / ${fmt(r.lost_batches)}`, r.missing_batches > 0 || r.lost_batches > 0],
    ['resend requests / resent batches', `${fmt(c.resend_requests)} / ${fmt(c.resent_batches)}`],
    ['duplicate batches', fmt(c.duplicate_batches)],
    ['commands sent (unacknowledged)', `${fmt(c.commands_sent)} (${fmt(c.commands_unacknowledged)})`],
    ['malformed messages', reasons.length ? '' : '0'],
    ...reasons, ...suspicious,
    ['console updates dropped (display only)', `${fmt(r.console_dropped)} of ${fmt(r.console_updates)}`],
  ]);
}

poll(`/api/rigs/${encodeURIComponent(rig)}`, draw);
