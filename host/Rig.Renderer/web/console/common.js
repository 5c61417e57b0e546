// Shared by the console's pages: number formatting and a poll loop that never runs faster than its period.

export function fmt(value, digits = 0) {
  if (value === null || value === undefined) return '–';
  return Number(value).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ago(seconds) {
  if (seconds === null || seconds === undefined) return '';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

// Fetches url every periodMs (4 Hz by default: the server rebuilds its JSON at most 10 times a second) and hands the
// JSON to draw; the next fetch starts only after this one is drawn, so a slow page never piles requests up.
export function poll(url, draw, periodMs = 250) {
  const status = document.getElementById('clock');
  async function once() {
    const started = performance.now();
    try {
      const response = await fetch(url, { cache: 'no-store' });
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      draw(await response.json());
      if (status) status.textContent = `updated ${new Date().toLocaleTimeString()}`;
    } catch (e) {
      if (status) status.textContent = `cannot reach the rig process: ${e.message}`;
    }
    setTimeout(once, Math.max(0, periodMs - (performance.now() - started)));
  }
  once();
}

export function cell(text, cls = '') {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}
