/**
 * Formant frequencies and bandwidths from linear prediction, as eGeMAPS computes them:
 * LPC of order 11 on the 20 ms Hamming frame resampled to 11 kHz (openSMILE cSpecResample →
 * cLpc → cFormantLpc, formants between 50 and 5450 Hz). Resampling is done in the frequency
 * domain: the autocorrelation of the 11 kHz signal is the inverse DFT of the power spectrum
 * truncated at 5.5 kHz. No pre-emphasis (cLpc applies none).
 *
 * openSMILE 3.0's cFormantLpc builds the root polynomial from the predictor coefficients with
 * their signs flipped, z^p − a1·z^(p−1) − … − ap instead of A(z) = z^p + a1·z^(p−1) + … + ap,
 * reflects roots outside the unit circle inside, and keeps every complex root in range (no
 * bandwidth limit). Its "formants" are the angles of those roots, hence the broad bandwidths
 * (≈ 1 kHz) in eGeMAPS. We follow it so the features match the eGeMAPS reference: measured on
 * the reference LLDs, frame-level r for F1 rises from 0.18 (textbook LPC roots with
 * pre-emphasis) to 0.58, and the F1 bandwidth from −0.25 to 0.54 (docs/voice.md).
 */

/** LPC order used by eGeMAPS. */
export const LPC_ORDER = 11;
/** Sample rate of the LPC analysis, in Hz. */
export const LPC_SAMPLE_RATE = 11000;

/** Levinson–Durbin recursion: LPC coefficients a[1..p] (a[0] = 1) from autocorrelation r[0..p]. */
export function levinsonDurbin(r: Float64Array, p: number, a: Float64Array): number {
  const tmp = new Float64Array(p + 1);
  a.fill(0);
  a[0] = 1;
  let err = r[0];
  if (!(err > 0)) return 0;
  for (let i = 1; i <= p; i++) {
    let acc = r[i];
    for (let j = 1; j < i; j++) acc += a[j] * r[i - j];
    const k = -acc / err;
    tmp.set(a);
    for (let j = 1; j < i; j++) a[j] = tmp[j] + k * tmp[i - j];
    a[i] = k;
    err *= 1 - k * k;
    if (!(err > 0)) return 0;
  }
  return err;
}

/**
 * Roots of z^p + a1 z^(p-1) + … + ap by the Durand–Kerner iteration. `re`/`im` hold the
 * starting guesses on entry (e.g. the previous frame's roots) and the roots on exit.
 */
export function polynomialRoots(a: Float64Array, p: number, re: Float64Array, im: Float64Array): void {
  // A root whose step fell below the tolerance is left where it is (its residual P(z_i) is what made
  // the step small, so it stays small while the others move); the others still see it.
  const done = rootDone.length >= p ? rootDone : (rootDone = new Uint8Array(p));
  done.fill(0, 0, p);
  for (let iter = 0; iter < 60; iter++) {
    let maxStep = 0;
    for (let i = 0; i < p; i++) {
      if (done[i]) continue;
      // Horner evaluation of the monic polynomial at z_i
      let pr = 1, pi = 0;
      const zr = re[i], zi = im[i];
      for (let j = 1; j <= p; j++) {
        const nr = pr * zr - pi * zi + a[j];
        pi = pr * zi + pi * zr;
        pr = nr;
      }
      let dr = 1, di = 0;
      for (let j = 0; j < p; j++) {
        if (j === i) continue;
        const xr = zr - re[j], xi = zi - im[j];
        const nr = dr * xr - di * xi;
        di = dr * xi + di * xr;
        dr = nr;
      }
      const den = dr * dr + di * di;
      if (den === 0) continue;
      const sr = (pr * dr + pi * di) / den, si = (pi * dr - pr * di) / den;
      re[i] = zr - sr;
      im[i] = zi - si;
      const step = Math.abs(sr) + Math.abs(si);
      if (step < 1e-9) done[i] = 1;
      maxStep = Math.max(maxStep, step);
    }
    if (maxStep < 1e-9) break;
  }
}

let rootDone = new Uint8Array(16);

/** Formant frequencies (Hz) and bandwidths (Hz) of one frame; 0 where fewer were found. */
export interface Formants {
  freq: Float64Array;
  bandwidth: Float64Array;
}

/**
 * Which polynomial's roots are the formants: openSMILE 3.0's sign-flipped one (eGeMAPS), or the
 * textbook A(z) (with pre-emphasis, the resonances Praat-style trackers report).
 */
export type FormantConvention = "opensmile" | "textbook";

/** Widest pole the textbook convention accepts as a formant, in Hz (poles wider than this model the tilt). */
export const TEXTBOOK_MAX_BANDWIDTH_HZ = 500;

/** Estimates F1–F3 from a 16 kHz power spectrum by LPC at 11 kHz. Keeps state between frames. */
export class LpcFormantTracker {
  #cos: Float64Array; // (p+1) × nBins cosine table of the truncated inverse DFT
  #nBins: number;
  #r = new Float64Array(LPC_ORDER + 1);
  #a = new Float64Array(LPC_ORDER + 1);
  #re = new Float64Array(LPC_ORDER);
  #im = new Float64Array(LPC_ORDER);
  #cand = new Float64Array(LPC_ORDER * 2);
  #convention: FormantConvention;

  /**
   * `fftSize` and `sampleRate` describe the power spectra passed to {@linkcode analyze}.
   * `preEmphasis` is the coefficient of an optional first-order pre-emphasis applied to the
   * spectrum (default 0, as eGeMAPS; Praat and HTK use 0.97). `convention` picks openSMILE's
   * sign-flipped root polynomial (default, for the eGeMAPS LLDs) or the textbook roots of A(z)
   * with bandwidths up to {@linkcode TEXTBOOK_MAX_BANDWIDTH_HZ}.
   */
  constructor(fftSize: number, sampleRate: number, preEmphasis = 0, convention: FormantConvention = "opensmile") {
    if (!(preEmphasis >= 0 && preEmphasis < 1)) throw new RangeError("preEmphasis must be in [0, 1)");
    this.#convention = convention;
    const binHz = sampleRate / fftSize;
    const m = 2 * Math.floor(LPC_SAMPLE_RATE / 2 / binHz); // DFT length of the resampled frame
    this.#nBins = m / 2 + 1;
    this.#cos = new Float64Array((LPC_ORDER + 1) * this.#nBins);
    for (let k = 0; k <= LPC_ORDER; k++) {
      for (let b = 0; b < this.#nBins; b++) {
        const weight = b === 0 || b === m / 2 ? 1 : 2; // symmetric spectrum folded
        const w = (2 * Math.PI * b * binHz) / sampleRate;
        const pe = 1 + preEmphasis * preEmphasis - 2 * preEmphasis * Math.cos(w);
        this.#cos[k * this.#nBins + b] = pe * weight * Math.cos((2 * Math.PI * b * k) / m);
      }
    }
    this.#resetRoots();
  }

  #resetRoots(): void {
    for (let i = 0; i < LPC_ORDER; i++) {
      const ang = (2 * Math.PI * i) / LPC_ORDER + 0.4;
      this.#re[i] = 0.9 * Math.cos(ang);
      this.#im[i] = 0.9 * Math.sin(ang);
    }
  }

  /** Writes F1–F3 and their bandwidths into `out` from `power` (bins 0..fftSize/2). */
  analyze(power: Float64Array, out: Formants): void {
    const n = this.#nBins, r = this.#r;
    for (let k = 0; k <= LPC_ORDER; k++) {
      let acc = 0;
      const row = k * n;
      for (let b = 0; b < n; b++) acc += this.#cos[row + b] * power[b];
      r[k] = acc;
    }
    out.freq.fill(0);
    out.bandwidth.fill(0);
    if (!(r[0] > 0) || levinsonDurbin(r, LPC_ORDER, this.#a) <= 0) return;
    // openSMILE's sign-flipped root polynomial (see the file header)
    if (this.#convention === "opensmile") { for (let k = 1; k <= LPC_ORDER; k++) this.#a[k] = -this.#a[k]; }
    polynomialRoots(this.#a, LPC_ORDER, this.#re, this.#im);
    let count = 0;
    for (let i = 0; i < LPC_ORDER; i++) {
      if (!Number.isFinite(this.#re[i]) || !Number.isFinite(this.#im[i])) {
        this.#resetRoots();
        return;
      }
      if (this.#im[i] <= 0) continue;
      // a root outside the unit circle is reflected inside: z → 1/z̄
      const m2 = this.#re[i] * this.#re[i] + this.#im[i] * this.#im[i];
      const zr = m2 > 1 ? this.#re[i] / m2 : this.#re[i], zi = m2 > 1 ? this.#im[i] / m2 : this.#im[i];
      const f = (Math.atan2(zi, zr) * LPC_SAMPLE_RATE) / (2 * Math.PI);
      if (f < 50 || f > 5450) continue;
      const mag = Math.hypot(zr, zi);
      // textbook trackers keep only sharp resonances: broad poles shape the spectral tilt
      if (this.#convention === "textbook" && (-Math.log(mag) * LPC_SAMPLE_RATE) / Math.PI > TEXTBOOK_MAX_BANDWIDTH_HZ) {
        continue;
      }
      this.#cand[2 * count] = f;
      this.#cand[2 * count + 1] = (-Math.log(mag) * LPC_SAMPLE_RATE) / Math.PI;
      count++;
    }
    // insertion sort by frequency; count ≤ 5
    for (let i = 1; i < count; i++) {
      const f = this.#cand[2 * i], bw = this.#cand[2 * i + 1];
      let j = i - 1;
      while (j >= 0 && this.#cand[2 * j] > f) {
        this.#cand[2 * j + 2] = this.#cand[2 * j];
        this.#cand[2 * j + 3] = this.#cand[2 * j + 1];
        j--;
      }
      this.#cand[2 * j + 2] = f;
      this.#cand[2 * j + 3] = bw;
    }
    for (let i = 0; i < Math.min(count, out.freq.length); i++) {
      out.freq[i] = this.#cand[2 * i];
      out.bandwidth[i] = this.#cand[2 * i + 1];
    }
    // keep distinct, non-real starting points for the next frame
    for (let i = 0; i < LPC_ORDER; i++) if (Math.abs(this.#im[i]) < 1e-3) this.#im[i] = 1e-3 * (i % 2 ? 1 : -1);
  }
}
