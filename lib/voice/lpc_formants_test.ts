import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { levinsonDurbin, LPC_ORDER, LPC_SAMPLE_RATE, LpcFormantTracker } from "./lpc_formants.ts";

const FFT_SIZE = 512, RATE = 16000;

/** Power spectrum (bins 0..256) of three resonances over a sloping source, at 16 kHz. */
function vowelPower(formants: [number, number][]): Float64Array {
  const p = new Float64Array(FFT_SIZE / 2 + 1);
  for (let b = 0; b < p.length; b++) {
    const f = (b * RATE) / FFT_SIZE;
    let g = 1 / (1 + (f / 300) ** 2);
    for (const [fc, bw] of formants) g *= 1 / (1 + ((f - fc) / (bw / 2)) ** 2) + 0.01;
    p[b] = g;
  }
  return p;
}

/** Autocorrelation of the spectrum truncated at 5.5 kHz and read at 11 kHz (as the tracker forms it). */
function acf11k(power: Float64Array): Float64Array {
  const m = 2 * Math.floor(LPC_SAMPLE_RATE / 2 / (RATE / FFT_SIZE));
  const r = new Float64Array(LPC_ORDER + 1);
  for (let k = 0; k <= LPC_ORDER; k++) {
    for (let b = 0; b <= m / 2; b++) {
      r[k] += (b === 0 || b === m / 2 ? 1 : 2) * Math.cos((2 * Math.PI * b * k) / m) * power[b];
    }
  }
  return r;
}

/** |z^p − a1·z^(p−1) − … − ap| at z = ρ·e^{iθ} (openSMILE's sign-flipped polynomial). */
function flippedPolyAbs(a: Float64Array, rho: number, theta: number): number {
  let re = 1, im = 0;
  const zr = rho * Math.cos(theta), zi = rho * Math.sin(theta);
  for (let k = 1; k <= LPC_ORDER; k++) {
    const nr = re * zr - im * zi - a[k], ni = re * zi + im * zr;
    re = nr;
    im = ni;
  }
  return Math.hypot(re, im);
}

describe("LpcFormantTracker", () => {
  it("reports the roots of openSMILE's sign-flipped LPC polynomial, reflected into the unit circle", () => {
    for (
      const formants of [[[700, 120], [1200, 150], [2600, 200]], [[350, 80], [2200, 150], [3000, 250]]] as [
        number,
        number,
      ][][]
    ) {
      const power = vowelPower(formants);
      const a = new Float64Array(LPC_ORDER + 1);
      assert.ok(levinsonDurbin(acf11k(power), LPC_ORDER, a) > 0);
      const tracker = new LpcFormantTracker(FFT_SIZE, RATE);
      const out = { freq: new Float64Array(5), bandwidth: new Float64Array(5) };
      tracker.analyze(power, out);
      const found = out.freq.filter((f) => f > 0).length;
      assert.ok(found >= 3, `${found} formants`);
      for (let i = 0; i < found; i++) {
        assert.ok(out.freq[i] >= 50 && out.freq[i] <= 5450 && (i === 0 || out.freq[i] > out.freq[i - 1]));
        const theta = (2 * Math.PI * out.freq[i]) / LPC_SAMPLE_RATE;
        const rho = Math.exp((-Math.PI * out.bandwidth[i]) / LPC_SAMPLE_RATE);
        // a root r of the polynomial, or its reflection 1/r̄ when r lay outside the circle
        const residual = Math.min(flippedPolyAbs(a, rho, theta), flippedPolyAbs(a, 1 / rho, theta));
        assert.ok(residual < 1e-6, `formant ${out.freq[i].toFixed(0)} Hz: |B(z)| = ${residual}`);
      }
    }
  });
});
