// The task charts shared by the live rig page and the sessions page: a lick raster per corridor, running speed, and the
// corridor table (trials, anticipatory-lick fraction, outcomes). Charts are made once and then only given new data.
import uPlot from './vendor/uPlot.esm.js';
import { fmt, cell } from './common.js';

const charts = new Map();

// One uPlot series may only share the x values of the others, so licks and cue marks are merged on one sorted x axis.
function rasterData(raster) {
  const points = [];
  raster.x.forEach((x, i) => points.push([x, raster.y[i], null]));
  raster.cue.forEach((x, row) => { if (x !== null) points.push([x, null, row]); });
  points.sort((a, b) => a[0] - b[0]);
  return [points.map(p => p[0]), points.map(p => p[1]), points.map(p => p[2])];
}

const dots = (size, fill) => ({ paths: () => null, points: { show: true, size, fill, stroke: fill } });

export function drawRasters(container, task) {
  for (const corridor of task.corridors) {
    const key = `raster:${container.id}:${corridor.wall}`;
    const data = rasterData(corridor.raster);
    let chart = charts.get(key);
    if (!chart) {
      const panel = document.createElement('div');
      panel.className = 'panel';
      panel.dataset.wall = corridor.wall;
      const title = document.createElement('h2');
      title.textContent = `Licks by position — ${corridor.wall}${corridor.rewarded ? ' (rewarded)' : ''}`;
      panel.append(title);
      container.append(panel);
      chart = new uPlot({
        width: 420, height: 300, legend: { show: false },
        scales: { x: { time: false, range: [0, task.corridor_length_dm ?? 60] }, y: { range: (u, min, max) => [-0.5, Math.max(max ?? 0, 4) + 0.5] } },
        axes: [{ label: 'position (dm)' }, { label: 'trial, sorted by cue position' }],
        series: [{}, { label: 'lick', ...dots(5, '#1f5fbf') }, { label: 'cue', ...dots(7, '#d14b00') }],
      }, data, panel);
      charts.set(key, chart);
    } else {
      chart.setData(data);
    }
  }
}

// Where each trial's first lick fell, 1 dm bins over the textured 0-40 dm, one histogram per corridor.
export function drawFirstLicks(container, task) {
  for (const corridor of task.corridors) {
    const key = `first:${container.id}:${corridor.wall}`;
    const data = [corridor.first_lick.map((_, i) => i + 0.5), corridor.first_lick];
    let chart = charts.get(key);
    if (!chart) {
      const panel = document.createElement('div');
      panel.className = 'panel';
      const title = document.createElement('h2');
      title.textContent = `First lick — ${corridor.wall}${corridor.rewarded ? ' (rewarded)' : ''}`;
      panel.append(title);
      container.append(panel);
      chart = new uPlot({
        width: 420, height: 220, legend: { show: false },
        scales: { x: { time: false, range: [0, 40] } },
        axes: [{ label: 'position of the first lick (dm)' }, { label: 'trials' }],
        series: [{}, { label: 'trials', fill: '#1f5fbf88', stroke: '#1f5fbf', paths: uPlot.paths.bars({ size: [0.9] }) }],
      }, data, panel);
      charts.set(key, chart);
    } else {
      chart.setData(data);
    }
  }
}

// Learning across sessions: each session's anticipatory difference and discrimination, oldest first.
export function drawLearning(container, sessions) {
  const points = sessions.filter(s => s.anticipatory_difference !== undefined || s.discrimination !== undefined)
    .sort((a, b) => (a.started ?? '').localeCompare(b.started ?? ''));
  if (points.length === 0) return false;
  new uPlot({
    width: 560, height: 240,
    scales: { x: { time: false }, y: { range: [-1, 1] } },
    axes: [{ label: 'session (oldest first)' }, { label: 'rewarded − unrewarded' }],
    series: [{ label: 'session' },
      { label: 'anticipatory licks', stroke: '#d14b00', width: 2, points: { show: true, size: 7 } },
      { label: 'reward-zone licks', stroke: '#1f5fbf', width: 2, points: { show: true, size: 7 } }],
  }, [points.map((_, i) => i + 1), points.map(s => s.anticipatory_difference ?? null), points.map(s => s.discrimination ?? null)], container);
  return true;
}

export function drawSpeed(container, speed) {
  const key = `speed:${container.id}`;
  const data = [speed.t, speed.v];
  let chart = charts.get(key);
  if (!chart) {
    chart = new uPlot({
      width: 560, height: 260, legend: { show: false },
      scales: { x: { time: false } },
      axes: [{ label: 'seconds before now (imaging frames)' }, { label: 'running speed (cm/s)' }],
      series: [{}, { label: 'speed', stroke: '#1b7f3a', width: 1.5 }],
    }, data, container);
    charts.set(key, chart);
  } else {
    chart.setData(data);
  }
}

export function drawCorridors(table, task) {
  const rows = task.corridors.map(c => {
    const tr = document.createElement('tr');
    tr.dataset.wall = c.wall;
    tr.append(cell(c.wall, 'text'), cell(c.rewarded ? 'yes' : 'no', 'text'), cell(fmt(c.trials)), cell(fmt(c.completed)),
      cell(fmt(c.anticipatory, 2)), cell(fmt(c.reward_zone, 2)), cell(fmt(c.outcome_rewarded)), cell(fmt(c.outcome_unrewarded)),
      cell(fmt(c.outcome_running)));
    return tr;
  });
  table.querySelector('tbody').replaceChildren(...rows);
}

export const corridorHeader = `<thead><tr><th class="text">Corridor</th><th class="text">Rewarded</th><th>Trials</th><th>Completed</th>
  <th>Anticipatory licks</th><th>Reward-zone licks</th><th>Outcome: reward</th><th>Outcome: none</th><th>Running</th></tr></thead><tbody></tbody>`;
