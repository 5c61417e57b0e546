// The renderer's side of the clock exchange (docs/vr.md): the page pings with its own clock (performance.now(), ms), the
// host answers with its monotonic clock in ns (JournalWriter.HostNanos) taken when the ping arrived. Of the last 32
// answers the one with the shortest round trip gives the offset: its host time is assumed to sit at the middle of the
// round trip, so the offset's error is at most half that round trip.
export const CLOCK_SAMPLES = 32;

export class ClockSync {
  constructor() {
    this.samples = [];
    this.best = null;
  }

  // pongText: the raw pong payload. host_ns is read as a BigInt from the text: past 2^53 ns (104 days of uptime) a JSON
  // number would lose nanoseconds.
  add(pongText, receivedMs) {
    const pong = JSON.parse(pongText);
    const hostNs = /"host_ns"\s*:\s*(-?\d+)/.exec(pongText);
    if (typeof pong.page_ms !== 'number' || hostNs === null) {
      throw new Error(`bad clock pong: ${pongText}`);
    }
    const rttMs = receivedMs - pong.page_ms;
    if (!(rttMs >= 0)) {
      throw new Error(`clock pong from the future (round trip ${rttMs} ms): ${pongText}`);
    }
    this.samples.push({ midMs: pong.page_ms + rttMs / 2, hostNs: BigInt(hostNs[1]), rttMs });
    if (this.samples.length > CLOCK_SAMPLES) {
      this.samples.shift();
    }
    this.best = this.samples.reduce((a, b) => (b.rttMs < a.rttMs ? b : a));
    return this.best;
  }

  get ready() {
    return this.best !== null;
  }

  // Host ns (BigInt) at page time pageMs.
  hostNanos(pageMs) {
    const b = this.best;
    return b.hostNs + BigInt(Math.round((pageMs - b.midMs) * 1e6));
  }
}
