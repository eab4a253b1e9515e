import assert from "node:assert/strict";
import { pffftUnavailable, RealFft } from "./real_fft.ts";
import { vowel } from "./synthetic_signals.ts";

/** The DFT by its definition, in float64: bins 0 … n/2 as interleaved real and imaginary parts. */
function direct(x: Float64Array): Float64Array {
  const n = x.length, out = new Float64Array(n + 2);
  for (let k = 0; k <= n / 2; k++) {
    let re = 0, im = 0;
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * ((j * k) % n)) / n;
      re += x[j] * Math.cos(a);
      im += x[j] * Math.sin(a);
    }
    out[2 * k] = re;
    out[2 * k + 1] = im;
  }
  return out;
}

function maxAbs(x: Float64Array): number {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  return m;
}

Deno.test("RealFft runs PFFFT's WebAssembly SIMD build here (not the fallback)", () => {
  assert.equal(pffftUnavailable, null);
  assert.equal(new RealFft(512).engine, "pffft");
});

Deno.test("RealFft equals the DFT's definition, and fft.js, on noise and on a voiced frame", () => {
  let seed = 11;
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
  for (const n of [32, 512, 2048]) {
    const speech = vowel({ f0Hz: 140, formants: [[700, 80], [1200, 90], [2600, 120]], ms: 200 });
    const inputs = [
      Float64Array.from({ length: n }, rand),
      // a frame of a synthetic vowel, zero-padded past 60 % of the frame (as the pitch frames are)
      Float64Array.from({ length: n }, (_, i) => (i < 0.6 * n ? speech[i % speech.length] : 0)),
    ];
    for (const x of inputs) {
      const want = direct(x), scale = maxAbs(want);
      const fast = new Float64Array(n + 2), slow = new Float64Array(n + 2);
      new RealFft(n).transform(x, fast);
      new RealFft(n, "fft.js").transform(x, slow);
      for (let i = 0; i < n + 2; i++) {
        // float32 arithmetic: within a few 1e-7 of the largest bin
        assert.ok(Math.abs(fast[i] - want[i]) <= 1e-6 * scale, `n ${n}, [${i}]: ${fast[i]} vs ${want[i]}`);
        assert.ok(Math.abs(slow[i] - want[i]) <= 1e-10 * scale, `fft.js n ${n}, [${i}]: ${slow[i]} vs ${want[i]}`);
      }
      assert.equal(fast[1], 0);
      assert.equal(fast[n + 1], 0);
    }
  }
});

Deno.test("RealFft.power is |X|² of the transform; a shorter length reads the rest as zeros", () => {
  const n = 2048, used = 960;
  const x = Float64Array.from({ length: n }, (_, i) => (i < used ? Math.sin(i / 5) * Math.exp(-i / 700) : 0));
  // what lies past `length` in the caller's array is not read
  const dirty = x.slice();
  dirty.fill(0.7, used);
  for (const engine of [undefined, "fft.js"] as const) {
    const fft = new RealFft(n, engine);
    const spec = new Float64Array(n + 2), power = new Float64Array(n / 2 + 1), fromDirty = new Float64Array(n / 2 + 1);
    fft.transform(x, spec);
    fft.power(x, power);
    fft.power(dirty, fromDirty, used);
    const want = direct(x);
    const scale = maxAbs(want) ** 2;
    for (let k = 0; k <= n / 2; k++) {
      assert.equal(power[k], spec[2 * k] ** 2 + spec[2 * k + 1] ** 2, `${engine ?? "pffft"} k ${k}`);
      assert.equal(fromDirty[k], power[k], `${engine ?? "pffft"} k ${k}: length`);
      assert.ok(Math.abs(power[k] - (want[2 * k] ** 2 + want[2 * k + 1] ** 2)) <= 1e-6 * scale);
    }
  }
  assert.throws(() => new RealFft(64).power(new Float64Array(64), new Float64Array(33), 65), RangeError);
});

Deno.test("RealFft instances of one size share buffers without mixing their results", () => {
  const a = new RealFft(512), b = new RealFft(512);
  const x = Float64Array.from({ length: 512 }, (_, i) => Math.sin(i / 3));
  const y = Float64Array.from({ length: 512 }, (_, i) => Math.cos(i / 7) * 0.5);
  const ax = new Float64Array(514), by = new Float64Array(514), ax2 = new Float64Array(514);
  a.transform(x, ax);
  b.transform(y, by);
  a.transform(x, ax2);
  assert.deepEqual(ax2, ax);
  assert.notDeepEqual(by, ax);
});

Deno.test("RealFft refuses sizes PFFFT cannot do", () => {
  assert.throws(() => new RealFft(100), RangeError);
  assert.throws(() => new RealFft(16), RangeError);
});
