// Wall textures, drawn by the page itself (no image files): one per wall id the shipped protocols use (protocols/*.json),
// each a tile covering TILE_DM of wall, repeated along the corridor. Seeded, so every run and every rig draws the same
// walls. Pairs meant to be told apart differ in shape (leaf, circle, grating) or, within a pair, in orientation and scale.
export const TILE_DM = 5; // one tile spans 5 dm of wall: a 40 dm texture shows 8 of them
export const TILE_W = 512;
export const TILE_H = 256;

function rng(seed) { // mulberry32
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Draws a shape at x, y and at its wrapped copies, so the tile repeats without seams.
function wrapped(g, x, y, r, draw) {
  for (const dx of [-TILE_W, 0, TILE_W]) {
    for (const dy of [-TILE_H, 0, TILE_H]) {
      if (x + dx + r >= 0 && x + dx - r <= TILE_W && y + dy + r >= 0 && y + dy - r <= TILE_H) draw(x + dx, y + dy);
    }
  }
}

function leaves(g, seed, background, fill, vein, count, size, angle, spread) {
  const r = rng(seed);
  g.fillStyle = background;
  g.fillRect(0, 0, TILE_W, TILE_H);
  for (let i = 0; i < count; i++) {
    const x = r() * TILE_W;
    const y = r() * TILE_H;
    const len = size * (0.7 + 0.6 * r());
    const a = angle + (r() - 0.5) * spread;
    wrapped(g, x, y, len, (cx, cy) => {
      g.save();
      g.translate(cx, cy);
      g.rotate(a);
      g.beginPath(); // a pointed leaf: two arcs meeting at the tips
      g.moveTo(-len / 2, 0);
      g.quadraticCurveTo(0, -len * 0.38, len / 2, 0);
      g.quadraticCurveTo(0, len * 0.38, -len / 2, 0);
      g.fillStyle = fill;
      g.fill();
      g.beginPath();
      g.moveTo(-len / 2, 0);
      g.lineTo(len / 2, 0);
      g.strokeStyle = vein;
      g.lineWidth = Math.max(1, len / 24);
      g.stroke();
      g.restore();
    });
  }
}

function circles(g, seed, background, fill, cols, rows, radius, jitter) {
  const r = rng(seed);
  g.fillStyle = background;
  g.fillRect(0, 0, TILE_W, TILE_H);
  g.fillStyle = fill;
  for (let i = 0; i < cols; i++) {
    for (let j = 0; j < rows; j++) {
      const x = (i + 0.5) * TILE_W / cols + (r() - 0.5) * jitter;
      const y = (j + 0.5) * TILE_H / rows + (r() - 0.5) * jitter;
      const rad = radius * (0.8 + 0.4 * r());
      wrapped(g, x, y, rad, (cx, cy) => {
        g.beginPath();
        g.arc(cx, cy, rad, 0, 2 * Math.PI);
        g.fill();
      });
    }
  }
}

// Square-wave grating; periodPx divides the tile in both directions so it repeats without seams.
function grating(g, periodPx, oblique) {
  const img = g.createImageData(TILE_W, TILE_H);
  for (let y = 0; y < TILE_H; y++) {
    for (let x = 0; x < TILE_W; x++) {
      const phase = ((oblique ? x + y : x) % periodPx) / periodPx;
      const v = phase < 0.5 ? 235 : 20;
      const k = 4 * (y * TILE_W + x);
      img.data[k] = img.data[k + 1] = img.data[k + 2] = v;
      img.data[k + 3] = 255;
    }
  }
  g.putImageData(img, 0, 0);
}

function unknown(g) { // a wall id this page has no texture for: a coarse checkerboard, so it is obvious on screen
  for (let x = 0; x < TILE_W; x += 64) {
    for (let y = 0; y < TILE_H; y += 64) {
      g.fillStyle = ((x + y) / 64) % 2 === 0 ? '#c03030' : '#303030';
      g.fillRect(x, y, 64, 64);
    }
  }
}

const PAINTERS = {
  leaf1: (g) => leaves(g, 11, '#1e3a1e', '#9ccf6a', '#2e5a20', 70, 70, 0.3, 1.2),
  leaf2: (g) => leaves(g, 12, '#cfe3b0', '#2f6b2a', '#cfe3b0', 140, 40, -1.2, 0.5),
  circle1: (g) => circles(g, 21, '#101010', '#f0f0f0', 8, 4, 22, 20),
  circle2: (g) => circles(g, 22, '#f0f0f0', '#101010', 16, 8, 9, 10),
  grating1: (g) => grating(g, 32, false),
  grating2: (g) => grating(g, 32, true),
};

export const WALL_IDS = Object.keys(PAINTERS);

// An OffscreenCanvas with the wall's tile; known is false for an id with no painter (drawn as a checkerboard).
export function paintWall(id) {
  const canvas = new OffscreenCanvas(TILE_W, TILE_H);
  const g = canvas.getContext('2d');
  const painter = PAINTERS[id];
  (painter ?? unknown)(g);
  return { canvas, known: painter !== undefined };
}
