import assert from "node:assert/strict";
import { Resampler } from "./resampler.ts";

function tone(freq: number, rate: number, seconds: number, amp = 0.5): Float32Array {
  const n = Math.round(rate * seconds);
  return Float32Array.from({ length: n }, (_, i) => amp * Math.sin(2 * Math.PI * freq * i / rate));
}

/** RMS of the middle half, away from the edges. */
function midRms(x: Float32Array): number {
  const a = Math.floor(x.length / 4), b = Math.floor(3 * x.length / 4);
  let s = 0;
  for (let i = a; i < b; i++) s += x[i] * x[i];
  return Math.sqrt(s / (b - a));
}

/** Dominant frequency by counting positive-going zero crossings. */
function zeroCrossFreq(x: Float32Array, rate: number): number {
  let c = 0;
  for (let i = 1; i < x.length; i++) if (x[i - 1] < 0 && x[i] >= 0) c++;
  return c / (x.length / rate);
}

function resampleChunked(x: Float32Array, inRate: number, outRate: number, chunk: number): Float32Array {
  const r = new Resampler({ inputRate: inRate, outputRate: outRate });
  const parts: Float32Array[] = [];
  for (let i = 0; i < x.length; i += chunk) parts.push(r.push(x.subarray(i, i + chunk)));
  parts.push(r.flush());
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), o += p.length);
  return out;
}

for (const inRate of [8000, 11025, 22050, 32000, 44100, 48000]) {
  Deno.test(`Resampler keeps a 1 kHz tone's frequency and level from ${inRate} Hz to 16 kHz`, () => {
    const y = resampleChunked(tone(1000, inRate, 1), inRate, 16000, 777);
    assert.equal(y.length, 16000);
    assert.ok(Math.abs(zeroCrossFreq(y, 16000) - 1000) <= 2, `freq ${zeroCrossFreq(y, 16000)}`);
    assert.ok(Math.abs(midRms(y) - 0.5 / Math.SQRT2) < 0.01, `rms ${midRms(y)}`);
  });
}

Deno.test("Resampler removes content above the output Nyquist frequency (no aliasing)", () => {
  const y = resampleChunked(tone(11000, 48000, 1), 48000, 16000, 480);
  assert.ok(midRms(y) < 0.005, `aliased rms ${midRms(y)}`);
});

Deno.test("Resampler output does not depend on how the input is chunked", () => {
  const x = tone(440, 44100, 0.5);
  const a = resampleChunked(x, 44100, 16000, 1);
  const b = resampleChunked(x, 44100, 16000, 4410);
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6);
});

Deno.test("Resampler at equal rates passes samples through unchanged", () => {
  const x = tone(300, 16000, 0.1);
  const r = new Resampler({ inputRate: 16000, outputRate: 16000 });
  assert.deepEqual(r.push(x), x);
  assert.equal(r.flush().length, 0);
});
