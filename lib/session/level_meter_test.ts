import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { LevelMeter } from "./level_meter.ts";

/** RMS and peak dBFS of samples[from, to), the meter's rounding. */
function direct(x: Float32Array, from: number, to: number) {
  let sq = 0, peak = 0;
  for (let i = from; i < to; i++) (sq += x[i] * x[i], peak = Math.max(peak, Math.abs(x[i])));
  const db = (v: number) => Math.max(-120, Math.round(10 * Math.log10(v + 1e-12) * 10) / 10);
  return { rmsDb: db(sq / (to - from)), peakDb: db(peak * peak) };
}

describe("LevelMeter", () => {
  it("gives the span's RMS and peak whatever the chunk sizes", () => {
    const x = new Float32Array(16000 * 3);
    for (let i = 0; i < x.length; i++) x[i] = 0.3 * Math.sin(i * 0.01) * Math.sin(i * 0.0007) + 0.01 * Math.cos(i * 1.3);
    for (const chunk of [1, 7, 160, 320, 1001, x.length]) {
      const m = new LevelMeter();
      for (let o = 0; o < x.length; o += chunk) m.push(x.subarray(o, o + chunk));
      for (const [a, b] of [[0, 3000], [120, 2210], [1000, 1010]]) {
        assert.deepEqual(m.levels(a, b), direct(x, a * 16, b * 16), `chunk ${chunk}, span [${a}, ${b})`);
      }
    }
  });

  it("keeps only capacityMs of history and reads silence as -120 dB", () => {
    const m = new LevelMeter(1000);
    m.push(new Float32Array(16000 * 2).fill(0.5));
    m.push(new Float32Array(1600));
    assert.deepEqual(m.levels(2000, 2100), { rmsDb: -120, peakDb: -120 });
    assert.equal(m.levels(0, 2000).peakDb, direct(new Float32Array([0.5]), 0, 1).peakDb);
  });
});
