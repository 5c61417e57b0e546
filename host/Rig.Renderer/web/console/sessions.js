// The recorded sessions under the output folder (GET /api/sessions); ?s=NAME shows one with its charts and files.
import { fmt, cell } from './common.js';
import { drawRasters, drawFirstLicks, drawLearning, drawSpeed, drawCorridors, corridorHeader } from './charts.js';

const $ = id => document.getElementById(id);
const chosen = new URLSearchParams(location.search).get('s');

async function json(url) {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

function row(s) {
  const tr = document.createElement('tr');
  tr.dataset.session = s.name;
  const name = document.createElement('td');
  name.className = 'text';
  const link = document.createElement('a');
  link.href = `/sessions?s=${encodeURIComponent(s.name)}`;
  link.textContent = s.name;
  name.append(link);
  tr.append(name, cell(s.rig ?? '–', 'text'), cell((s.started ?? '').slice(0, 19).replace('T', ' '), 'text'),
    cell((s.protocol ?? '–').split(' ')[0], 'text'), cell(fmt(s.trials)), cell(fmt(s.licks)), cell(fmt(s.rewards)),
    cell(fmt(s.water_ul, 1)), cell(fmt(s.frames)), cell(fmt(s.events)),
    cell(s.error ?? (s.closed === false ? 'not closed (no summary.json)' : ''), 'text bad'));
  return tr;
}

async function main() {
  const list = await json('/api/sessions');
  $('folder').textContent = list.folder;
  document.querySelector('#sessions tbody').replaceChildren(...list.sessions.map(row));
  $('learning-panel').hidden = !drawLearning($('learning'), list.sessions);
  if (!chosen) return;
  const s = await json(`/api/sessions/${encodeURIComponent(chosen)}`);
  $('detail').hidden = false;
  $('detail-title').textContent = `${s.name} — rig ${s.rig ?? '–'}, ${(s.protocol ?? 'no protocol').split(' ')[0]}`;
  $('files').replaceChildren(...(s.files ?? []).map(f => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `/sessions/${encodeURIComponent(s.name)}/files/${f.path.split('/').map(encodeURIComponent).join('/')}`;
    a.textContent = f.path;
    li.append(a, ` (${fmt(f.bytes)} bytes)`);
    return li;
  }));
  if (s.task) {
    $('corridors').innerHTML = corridorHeader;
    $('difference').textContent = fmt(s.task.anticipatory_difference, 2);
    drawCorridors($('corridors'), s.task);
    drawRasters($('rasters'), s.task);
    drawFirstLicks($('firstlicks'), s.task);
    drawSpeed($('speed'), s.task.speed);
  } else if (s.task_error) {
    $('detail-title').textContent += ` (task tables unreadable: ${s.task_error})`;
  }
}

main().catch(e => { $('folder').textContent = `cannot load the sessions: ${e.message}`; });
