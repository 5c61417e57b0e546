// The fleet table: one row per rig this process records (GET /api/fleet).
import { fmt, ago, poll, cell } from './common.js';

const body = document.querySelector('#fleet tbody');

function row(r) {
  const tr = document.createElement('tr');
  tr.className = r.state;
  tr.dataset.rig = r.rig;
  const name = document.createElement('td');
  name.className = 'text';
  const link = document.createElement('a');
  link.href = `/rigs/${encodeURIComponent(r.rig)}`;
  link.textContent = r.rig;
  name.append(link);
  const cells = [
    name,
    cell(r.state === 'stale' ? `stale (silent ${ago(r.silent_seconds)})` : `${r.state} (${ago(r.since_seconds)})`, 'text state'),
    cell(r.firmware ?? '–', 'text'),
    cell(r.session ?? '–', 'text'),
    cell(r.protocol ?? '–', 'text'),
    cell(fmt(r.trials)),
    cell(fmt(r.events_per_second)),
    cell(`${fmt(r.lost_batches)} / ${fmt(r.missing_batches)}`, r.lost_batches > 0 || r.missing_batches > 0 ? 'bad' : ''),
    cell(fmt(r.buffer_fill_seconds, 1)),
    cell(fmt(r.clock_residual_us, 1)),
    cell(fmt(r.frame_rate_hz, 1)),
    cell(fmt(r.vr_frames_dropped), r.vr_frames_dropped > 0 ? 'bad' : ''),
    cell(r.last_error ?? '', 'text bad'),
  ];
  const fields = ['rig', 'state', 'firmware', 'session', 'protocol', 'trials', 'events_per_second', 'batches', 'buffer', 'residual',
    'frame_rate', 'vr_dropped', 'error'];
  cells.forEach((td, i) => { td.dataset.field = fields[i]; });
  tr.append(...cells);
  return tr;
}

poll('/api/fleet', fleet => body.replaceChildren(...fleet.rigs.map(row)));
