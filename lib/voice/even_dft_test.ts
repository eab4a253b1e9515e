import assert from "node:assert/strict";
import FFT from "fft.js";
import { EvenDft } from "./even_dft.ts";

/** The mirrored 2n-point real FFT the fast path replaces (real parts, halved: the DCT-I). */
function viaFullFft(x: Float64Array, n: number): Float64Array {
  const fft = new FFT(2 * n);
  const full = new Float64Array(2 * n);
  for (let k = 0; k <= n; k++) full[k] = x[k];
  for (let k = 1; k < n; k++) full[2 * n - k] = x[k];
  const spec = fft.createComplexArray();
  fft.realTransform(spec, full);
  return Float64Array.from({ length: n + 1 }, (_, m) => spec[2 * m] / 2);
}

function direct(x: Float64Array, n: number): Float64Array {
  return Float64Array.from({ length: n + 1 }, (_, m) => {
    let s = 0.5 * (x[0] + (m % 2 ? -1 : 1) * x[n]);
    for (let j = 1; j < n; j++) s += x[j] * Math.cos((Math.PI * j * m) / n);
    return s;
  });
}

Deno.test("EvenDft equals the direct DCT-I and the mirrored full-length FFT", () => {
  let seed = 3;
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (const n of [32, 64, 1024]) {
    // A power spectrum: non-negative, a few strong peaks over a floor (as speech gives).
    const x = Float64Array.from({ length: n + 1 }, (_, k) => rand() * 1e-3 + (k % 37 === 5 ? 50 * rand() : 0));
    const out = new Float64Array(n + 1);
    new EvenDft(n).transform(x, out);
    const want = direct(x, n), full = viaFullFft(x, n);
    // (the FFT underneath computes in float32: lib/voice/real_fft.ts)
    const scale = Math.max(...want.map(Math.abs));
    for (let m = 0; m <= n; m++) {
      assert.ok(Math.abs(out[m] - want[m]) <= 1e-6 * scale, `n ${n}, m ${m}: ${out[m]} vs ${want[m]}`);
      assert.ok(Math.abs(out[m] - full[m]) <= 1e-6 * scale, `n ${n}, m ${m}: ${out[m]} vs full ${full[m]}`);
    }
  }
});

Deno.test("EvenDft refuses a length that is not a power of two", () => {
  assert.throws(() => new EvenDft(100), RangeError);
  assert.throws(() => new EvenDft(2), RangeError);
});
