/**
 * Local jitter and shimmer by waveform matching, as eGeMAPS v02 computes them (openSMILE
 * cPitchJitter with searchRangeRel 0.1, minNumPeriods 2, minCC 0.5; Eyben et al. 2016, 3.1):
 *
 * - Streaming over the signal: each 10 ms F0 frame continues from the last period boundary
 *   reached by the previous frame and reads at least one hop (and at least two maximal
 *   periods) of samples from there.
 * - Each period's length is the lag in [0.9, 1.1]·T0 that maximises the Pearson correlation of
 *   two consecutive windows of that length (the highest interior local maximum, refined by
 *   parabolic interpolation); periods whose correlation is ≤ 0.5 are not counted.
 * - jitter = mean |T_i − T_{i−1}| / mean T over the frame's periods, continuing across voiced
 *   frames (the first difference of a frame uses the previous frame's last period);
 * - shimmer (dB) = 20·log10(1 + Σ|A_i − A_{i+1}| / Σ(A_i + A_{i+1})/2), A the peak-to-peak
 *   amplitude of a period window; both are capped at 1 (relative) before conversion.
 *
 * A voiced frame with no counted period repeats the previous frame's values; unvoiced frames
 * reset the state.
 */

/** Jitter (relative, ≥ 0) and shimmer (dB, ≥ 0) of one frame. */
export interface JitterShimmer {
  jitter: number;
  shimmerDb: number;
}

/** Samples per F0 frame hop (10 ms at 16 kHz). */
const HOP = 160;
/** Length of the F0 frame, samples (60 ms): the most a frame may read past its start. */
const FRAME = 960;
const SEARCH_RANGE_REL = 0.1;
const MIN_PERIODS = 2;
const MIN_CC = 0.5;
/**
 * Samples before a frame's start the analyser may still need (the unfinished part of the
 * previous frame: below one hop plus one maximal period at 55 Hz). The extractor keeps them.
 */
export const JITTER_HISTORY_SAMPLES = 640;

/** Pearson correlation of x[a, a+n) and x[b, b+n), in one pass over the sums. */
function crossCorr(x: Float32Array, a: number, b: number, n: number): number {
  let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    const u = x[a + i], v = x[b + i];
    sx += u;
    sy += v;
    sxx += u * u;
    syy += v * v;
    sxy += u * v;
  }
  const cxy = sxy - (sx * sy) / n, cxx = sxx - (sx * sx) / n, cyy = syy - (sy * sy) / n;
  return cxx > 0 && cyy > 0 ? cxy / Math.sqrt(cxx * cyy) : 0;
}

/** Peak-to-peak amplitude of x over (a, a+n−1), the window's end samples excluded. */
function peakToPeak(x: Float32Array, a: number, n: number): number {
  let mx = x[a + 1], mn = x[a + 1];
  for (let i = a + 1; i < a + n - 1; i++) {
    if (x[i] > mx) mx = x[i];
    if (x[i] < mn) mn = x[i];
  }
  return mx - mn;
}

/** Streaming jitter/shimmer state for one signal. */
export class JitterShimmerAnalyzer {
  #lastIdx = 0; // absolute sample where the next frame's reading starts
  #lastMis = 0; // samples between that point and the next frame's start
  #lastT0 = 0;
  #lastJitter = 0;
  #lastShimmer = 0;
  #cc = new Float64Array(64);
  readonly result: JitterShimmer = { jitter: 0, shimmerDb: 0 };

  /** Forgets the signal history (a new stream). */
  reset(): void {
    this.#lastIdx = this.#lastMis = 0;
    this.#lastT0 = this.#lastJitter = this.#lastShimmer = 0;
  }

  /**
   * Analyses the frame starting at absolute sample `frameStart` with F0 `f0Hz` (0 = unvoiced).
   * `samples[i]` (i < `bufLen`) holds absolute sample `bufStart + i`; it must cover
   * [frameStart − {@linkcode JITTER_HISTORY_SAMPLES}, frameStart + 960) where the signal has it.
   */
  analyze(samples: Float32Array, bufStart: number, bufLen: number, frameStart: number, f0Hz: number): JitterShimmer {
    const res = this.result;
    const toRead0 = HOP + this.#lastMis;
    let toRead = toRead0, maxRead = this.#lastMis + FRAME;
    let t0f = 0, t0minF = 0, t0maxF = 0;
    if (f0Hz > 0) {
      const tf = 16000 / f0Hz;
      t0f = Math.round(tf);
      t0minF = Math.floor((1 - SEARCH_RANGE_REL) * tf);
      t0maxF = Math.ceil((1 + SEARCH_RANGE_REL) * tf);
      toRead = Math.max(toRead, MIN_PERIODS * t0maxF + MIN_PERIODS);
    }
    toRead = Math.min(toRead, maxRead);
    if (frameStart - this.#lastMis !== this.#lastIdx || this.#lastIdx < bufStart) {
      this.#lastIdx = frameStart;
      toRead = Math.min(toRead, FRAME);
      maxRead = Math.min(maxRead, FRAME);
    }
    const base = this.#lastIdx - bufStart;
    const nT = Math.min(toRead, bufLen - base);
    let lastPeriod = 0;
    res.jitter = 0;
    res.shimmerDb = 0;
    if (!(f0Hz > 0)) {
      lastPeriod = toRead0;
      this.#lastMis = 0;
      this.#lastT0 = this.#lastJitter = this.#lastShimmer = 0;
      this.#lastIdx += lastPeriod;
      return res;
    }
    const nCand = t0maxF - t0minF + 1;
    if (this.#cc.length < nCand) this.#cc = new Float64Array(nCand);
    const cc = this.#cc;
    let start = 0, nPeriods = 0, nLocal = 0, sumPeriod = 0, sumDiff = 0, sumAmp = 0, sumAmpDiff = 0;
    while (start < nT - 2 * t0maxF - 1) {
      const a = base + start;
      for (let tf = t0minF; tf <= t0maxF; tf++) cc[tf - t0minF] = crossCorr(samples, a, a + tf, tf);
      let maxI = -1, max = 0;
      for (let i = 1; i < t0maxF - t0minF - 1; i++) {
        if (cc[i - 1] < cc[i] && cc[i] > cc[i + 1] && (maxI < 0 || cc[i] > max)) (maxI = i), (max = cc[i]);
      }
      if (maxI >= 0) {
        const pp = t0minF + maxI;
        const a0 = peakToPeak(samples, a, pp), a1 = peakToPeak(samples, a + pp, pp);
        start += pp;
        const y0 = cc[maxI - 1], y1 = cc[maxI], y2 = cc[maxI + 1];
        const den = y0 - 2 * y1 + y2;
        const d = den < 0 ? (0.5 * (y0 - y2)) / den : 0;
        const ccPeak = y1 - 0.25 * (y0 - y2) * d;
        if (ccPeak > MIN_CC) {
          const period = Math.abs(t0minF + maxI + d);
          sumPeriod += period;
          nPeriods++;
          if (this.#lastT0 > 0) {
            sumDiff += Math.abs(this.#lastT0 - period);
            nLocal++;
          }
          this.#lastT0 = period;
          sumAmp += (a0 + a1) / 2;
          sumAmpDiff += Math.abs(a0 - a1);
        }
      } else start += t0f;
      if (start < toRead0 - 1) lastPeriod = start;
    }
    this.#lastMis = toRead0 - lastPeriod;
    this.#lastIdx += lastPeriod;
    if (nPeriods > 0 && nLocal > 0) this.#lastJitter = Math.min(1, sumDiff / nLocal / (sumPeriod / nPeriods));
    if (nPeriods > 0) this.#lastShimmer = sumAmp > 0 ? Math.min(1, sumAmpDiff / sumAmp) : 0;
    // a frame whose only period has no predecessor reports 0 jitter; one without periods repeats the last
    res.jitter = nPeriods > 0 && nLocal === 0 ? 0 : this.#lastJitter;
    res.shimmerDb = 20 * Math.log10(1 + this.#lastShimmer);
    return res;
  }
}
