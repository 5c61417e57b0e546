// Main thread: reads /config.json, hands the canvas to the render worker (which does MQTT, the clock exchange and WebGL),
// and handles the window: size, full screen, the status line. Nothing here is on the frame path, so a stalled main thread
// does not stop frames.
const status = document.getElementById('status');
const bar = document.getElementById('bar');
const canvas = document.getElementById('view');

// What tests and the operator can read: the worker's last status report.
window.rigRenderer = { ready: false, state: 'starting', frames: 0, error: null };

function show(report) {
  Object.assign(window.rigRenderer, report);
  const r = window.rigRenderer;
  if (r.error) {
    bar.classList.add('error');
    status.textContent = `renderer error: ${r.error}`;
    return;
  }
  const clock = r.rttMs == null ? 'no clock yet' : `clock round trip ${r.rttMs.toFixed(2)} ms`;
  status.textContent = `${r.rig ?? ''} ${r.state}: frame ${r.frames}, ${clock}, ${r.wall || 'no trial'}`;
}

function toggleFullscreen() {
  if (document.fullscreenElement) {
    document.exitFullscreen();
  } else {
    document.documentElement.requestFullscreen().catch((e) => show({ error: `full screen refused: ${e.message}` }));
  }
}

async function start() {
  const response = await fetch('config.json', { cache: 'no-store' });
  if (!response.ok) {
    throw new Error(`config.json: HTTP ${response.status}`);
  }
  const config = await response.json();
  if (!('transferControlToOffscreen' in canvas)) {
    throw new Error('this browser has no OffscreenCanvas: use a current Chromium, Chrome, Edge or Firefox');
  }
  const offscreen = canvas.transferControlToOffscreen();
  const worker = new Worker('worker.js', { type: 'module' });
  worker.onmessage = (e) => show(e.data);
  worker.onerror = (e) => show({ error: `worker: ${e.message}` });
  const size = () => ({ width: window.innerWidth, height: window.innerHeight, dpr: window.devicePixelRatio || 1 });
  worker.postMessage({ type: 'init', canvas: offscreen, config, ...size() }, [offscreen]);
  window.addEventListener('resize', () => worker.postMessage({ type: 'resize', ...size() }));
  document.getElementById('fullscreen').addEventListener('click', toggleFullscreen);
  window.addEventListener('keydown', (e) => {
    if (e.key === 'f' || e.key === 'F') toggleFullscreen();
    if (e.key === 'h' || e.key === 'H') document.body.classList.toggle('hide');
  });
}

start().catch((e) => show({ error: e.message }));
