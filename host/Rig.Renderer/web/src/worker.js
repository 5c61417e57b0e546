// The render worker: MQTT over WebSockets, the clock exchange and WebGL (three.js on the OffscreenCanvas the page handed
// over). Everything on the frame path runs here, off the page's main thread, so a stalled main thread does not stop
// frames. No position integration: each frame draws the latest scene state the host published, and reports it.
import * as THREE from './vendor/three.module.js';
import mqtt from './vendor/mqtt.esm.js';
import { paintWall, WALL_IDS, TILE_DM, TILE_W, TILE_H } from './textures.js';
import { ClockSync } from './clock.js';

// Until a session start message names the protocol's corridor; every shipped protocol uses 40 dm of texture, 20 of grey.
const DEFAULT_TEXTURE_DM = 40;
const DEFAULT_GRAY_DM = 20;
const WALL_HEIGHT_DM = (TILE_DM * TILE_H) / TILE_W; // keeps the tile's aspect on the wall
const FAR_DM = 400; // grey walls run on this far past the corridor and behind its start
const GREY = 0x808080;
const FLOOR = 0x3a3a3a;
// Clock pings: fast at first so the offset settles within a second, then slow (the offset drifts by ppm).
const PING_FAST_MS = 50;
const PING_FAST_COUNT = 40;
const PING_SLOW_MS = 1000;
const STATUS_MS = 250;

let cfg;
let renderer;
let width = 1;
let height = 1;
let dpr = 1;
const scene = new THREE.Scene();
const cameras = [];
const textured = []; // the left and right textured walls
const greyMaterial = new THREE.MeshBasicMaterial({ color: GREY });
const wallMaterials = new Map();
const unknownWalls = new Set();
const clock = new ClockSync();
let corridor = { textureDm: DEFAULT_TEXTURE_DM, grayDm: DEFAULT_GRAY_DM };
let greyWalls = [];
let client = null;
let latest = null; // the latest scene state, as published
let shownWall = null;
let frameId = 0;
let warmed = false;
let connected = false;
let running = false;
let pingId = 0;
let lastError = null;
let glName = null; // the WebGL implementation, for the operator and the benchmark (e.g. SwiftShader: software)

function report(extra = {}) {
  const state = lastError ? 'error' : running ? 'running' : !warmed ? 'warming shaders'
    : !connected ? `connecting to ${cfg.mqtt.url}` : 'waiting for the clock responder';
  self.postMessage({
    rig: cfg.rig, state, ready: running, frames: frameId, wall: latest?.wall ?? '', trial: latest?.trial ?? -1,
    rttMs: clock.best?.rttMs ?? null, clockSamples: clock.samples.length, unknownWalls: [...unknownWalls], error: lastError, gl: glName,
    ...extra,
  });
}

function fail(message) {
  lastError = message;
  console.error(`rig renderer: ${message}`);
  report();
}

function wallMaterial(id) {
  let m = wallMaterials.get(id);
  if (m) return m;
  const { canvas, known } = paintWall(id);
  if (!known) {
    unknownWalls.add(id);
    console.warn(`rig renderer: no texture for wall '${id}'; drawn as a red checkerboard`);
  }
  const texture = new THREE.CanvasTexture(canvas);
  texture.wrapS = THREE.RepeatWrapping;
  texture.wrapT = THREE.RepeatWrapping;
  texture.colorSpace = THREE.SRGBColorSpace;
  texture.anisotropy = renderer.capabilities.getMaxAnisotropy();
  texture.repeat.set(corridor.textureDm / TILE_DM, 1);
  m = new THREE.MeshBasicMaterial({ map: texture });
  wallMaterials.set(id, m);
  return m;
}

// A wall plane along the corridor (z runs backwards: the mouse looks down -z) from startDm for lengthDm, on side -1/+1.
function wallMesh(side, startDm, lengthDm, material) {
  const mesh = new THREE.Mesh(new THREE.PlaneGeometry(1, 1), material);
  mesh.rotation.y = side < 0 ? Math.PI / 2 : -Math.PI / 2; // facing the corridor's middle
  mesh.scale.set(lengthDm, WALL_HEIGHT_DM, 1);
  mesh.position.set((side * cfg.corridor.width_dm) / 2, WALL_HEIGHT_DM / 2, -(startDm + lengthDm / 2));
  scene.add(mesh);
  return mesh;
}

function buildCorridor() {
  for (const m of [...textured, ...greyWalls]) {
    scene.remove(m);
    m.geometry.dispose();
  }
  textured.length = 0;
  greyWalls = [];
  const t = corridor.textureDm;
  for (const side of [-1, 1]) {
    textured.push(wallMesh(side, 0, t, greyMaterial));
    greyWalls.push(wallMesh(side, t, corridor.grayDm + FAR_DM, greyMaterial)); // grey space, then grey on
    greyWalls.push(wallMesh(side, -FAR_DM, FAR_DM, greyMaterial)); // behind the start
  }
  for (const m of wallMaterials.values()) {
    m.map.repeat.set(t / TILE_DM, 1);
  }
  shownWall = null;
}

function buildScene() {
  const floor = new THREE.Mesh(new THREE.PlaneGeometry(cfg.corridor.width_dm, 3 * FAR_DM), new THREE.MeshBasicMaterial({ color: FLOOR }));
  floor.rotation.x = -Math.PI / 2;
  scene.add(floor);
  for (let i = 0; i < cfg.screens; i++) {
    const camera = new THREE.PerspectiveCamera(60, 1, 0.05, 2 * FAR_DM);
    camera.rotation.order = 'YXZ';
    // Screens side by side, each turned by one field of view: the left screen looks left.
    camera.rotation.y = -(i - (cfg.screens - 1) / 2) * THREE.MathUtils.degToRad(cfg.fov_deg);
    cameras.push(camera);
  }
  buildCorridor();
}

function resize(w, h, ratio) {
  dpr = ratio || 1;
  width = Math.max(1, Math.round(w * dpr));
  height = Math.max(1, Math.round(h * dpr));
  renderer.setSize(width, height, false);
  const aspect = width / cfg.screens / height;
  const halfH = THREE.MathUtils.degToRad(cfg.fov_deg) / 2;
  for (const c of cameras) {
    c.aspect = aspect;
    c.fov = THREE.MathUtils.radToDeg(2 * Math.atan(Math.tan(halfH) / aspect)); // three's fov is vertical
    c.updateProjectionMatrix();
  }
}

function showWall(wall) {
  const key = wall || '';
  if (key === shownWall) return;
  const material = key === '' ? greyMaterial : wallMaterial(key);
  for (const m of textured) m.material = material;
  shownWall = key;
}

function drawViews(state) {
  const inTrial = state != null && state.trial >= 0 && typeof state.pos_dm === 'number';
  showWall(inTrial ? state.wall : '');
  const z = inTrial ? -state.pos_dm : 0;
  renderer.setScissorTest(true);
  renderer.setClearColor(0x000000);
  for (let i = 0; i < cameras.length; i++) {
    const x = Math.round((i * width) / cameras.length);
    const w = Math.round(((i + 1) * width) / cameras.length) - x;
    cameras[i].position.set(0, cfg.corridor.eye_height_dm, z);
    renderer.setViewport(x, 0, w, height);
    renderer.setScissor(x, 0, w, height);
    renderer.clear();
    renderer.render(scene, cameras[i]);
  }
}

// The photodiode patch: white on even frame ids, black on odd (GL's origin is the bottom left).
function drawPatch(white) {
  const size = Math.min(width, height, Math.round(cfg.photodiode.size_px * dpr));
  const corner = cfg.photodiode.corner;
  const x = corner.endsWith('left') ? 0 : width - size;
  const y = corner.startsWith('bottom') ? 0 : height - size;
  renderer.setViewport(x, y, size, size);
  renderer.setScissor(x, y, size, size);
  renderer.setClearColor(white ? 0xffffff : 0x000000);
  renderer.clear(true, false, false);
}

// Every wall's shader and texture on the GPU before the first frame: the first trial must not stall on a compile.
function warm(ids) {
  for (const id of ids) {
    showWall(id);
    renderer.compile(scene, cameras[0]);
    drawViews({ trial: 0, wall: id, pos_dm: corridor.textureDm / 2 });
  }
  showWall('');
  drawViews(null);
}

function publishFrame(state, submittedMs) {
  const id = frameId++;
  // A viewer (report_frames false) draws but stays off the record: another renderer's frames are the session's.
  if (cfg.report_frames === false) return;
  const renderNs = clock.hostNanos(submittedMs);
  // The round trip of the clock sample that mapped render_ns: half of it bounds the mapping's error (docs/vr.md).
  const clockRttUs = Math.ceil(clock.best.rttMs * 1000);
  const inTrial = state != null && state.trial >= 0;
  const payload = `{"frame":${id},"render_ns":${renderNs},"t_us":${state ? state.t_us : 'null'},` +
    `"pos_dm":${inTrial && typeof state.pos_dm === 'number' ? state.pos_dm : 'null'},` +
    `"wall":${JSON.stringify(state ? state.wall ?? '' : '')},"trial":${state ? state.trial : -1},"patch":${id % 2 === 0 ? 1 : 0},` +
    `"clock_rtt_us":${clockRttUs}}`;
  client.publish(cfg.topics.frame, payload, { qos: 1 });
}

function frame() {
  requestAnimationFrame(frame);
  const state = latest;
  drawViews(state);
  drawPatch(frameId % 2 === 0);
  // Submitted: the worker's canvas is committed to the display when this callback returns.
  publishFrame(state, performance.now());
}

function maybeStart() {
  if (running || !warmed || !connected || !clock.ready) return;
  running = true;
  requestAnimationFrame(frame);
  report();
}

function ping() {
  if (!connected) return;
  client.publish(cfg.topics.ping, JSON.stringify({ id: pingId++, page_ms: performance.now() }), { qos: 0 });
}

function onSession(message) {
  if (message.event === 'start') {
    const c = message.corridor;
    if (c && c.texture_dm > 0 && c.gray_dm >= 0) {
      corridor = { textureDm: c.texture_dm, grayDm: c.gray_dm };
    } else {
      console.warn('rig renderer: the session start names no corridor; drawing the default 40 dm + 20 dm');
      corridor = { textureDm: DEFAULT_TEXTURE_DM, grayDm: DEFAULT_GRAY_DM };
    }
    buildCorridor();
    if (Array.isArray(message.walls)) {
      warm(message.walls.filter((w) => typeof w === 'string'));
    }
  } else if (message.event === 'stop' && latest) {
    latest = { ...latest, trial: -1, wall: '', pos_dm: null };
  }
}

function connect() {
  const decoder = new TextDecoder();
  let pings = null;
  client = mqtt.connect(cfg.mqtt.url, {
    clientId: `rig-renderer-${cfg.rig}-${Math.random().toString(16).slice(2, 10)}`,
    username: cfg.mqtt.username ?? undefined,
    password: cfg.mqtt.password ?? undefined,
    protocolVersion: 4,
    clean: true,
    keepalive: 5,
    reconnectPeriod: 1000,
    connectTimeout: 5000,
  });
  client.on('connect', () => {
    client.subscribe({ [cfg.topics.scene]: { qos: 0 }, [cfg.topics.session]: { qos: 1 }, [cfg.topics.pong]: { qos: 0 } }, (err) => {
      if (err) {
        fail(`subscribe refused: ${err.message} (does the renderer's broker account allow ${cfg.topics.scene}?)`);
        return;
      }
      connected = true;
      lastError = null;
      clearInterval(pings);
      let sent = 0;
      pings = setInterval(() => {
        ping();
        if (++sent === PING_FAST_COUNT) {
          clearInterval(pings);
          pings = setInterval(ping, PING_SLOW_MS);
        }
      }, PING_FAST_MS);
      ping();
      report();
    });
  });
  client.on('message', (topic, payload) => {
    const receivedMs = performance.now();
    const text = decoder.decode(payload);
    try {
      if (topic === cfg.topics.scene) {
        latest = JSON.parse(text);
      } else if (topic === cfg.topics.pong) {
        clock.add(text, receivedMs);
        maybeStart();
      } else if (topic === cfg.topics.session) {
        onSession(JSON.parse(text));
      }
    } catch (e) {
      console.error(`rig renderer: bad message on ${topic}: ${e.message}`);
    }
  });
  client.on('close', () => {
    connected = false;
    report();
  });
  client.on('error', (e) => fail(`MQTT: ${e.message}`));
}

self.onmessage = (e) => {
  const msg = e.data;
  try {
    if (msg.type === 'init') {
      cfg = msg.config;
      renderer = new THREE.WebGLRenderer({ canvas: msg.canvas, antialias: false, powerPreference: 'high-performance' });
      renderer.setPixelRatio(1);
      renderer.autoClear = false;
      const gl = renderer.getContext();
      const info = gl.getExtension('WEBGL_debug_renderer_info');
      glName = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
      buildScene();
      resize(msg.width, msg.height, msg.dpr);
      if (typeof self.requestAnimationFrame !== 'function') {
        throw new Error('this browser has no requestAnimationFrame in workers');
      }
      connect();
      warm(WALL_IDS);
      warmed = true;
      setInterval(report, STATUS_MS);
      report();
      maybeStart();
    } else if (msg.type === 'resize' && renderer) {
      resize(msg.width, msg.height, msg.dpr);
    }
  } catch (err) {
    fail(err.message);
  }
};
