/**
 * Local jitter and shimmer of one voiced frame from its pitch periods (Eyben et al. 2016:
 * jitter = mean absolute difference of consecutive periods over the mean period; shimmer =
 * mean absolute dB difference of consecutive periods' peak amplitudes). Periods are found by
 * peak picking guided by the frame's F0, each next peak searched within ±10 % of the last
 * period (openSMILE cPitchJitter's searchRangeRel = 0.1), with parabolic refinement.
 */

/** Jitter (relative, ≥ 0) and shimmer (dB, ≥ 0) of one frame; both 0 if fewer than 2 periods. */
export interface JitterShimmer {
  jitter: number;
  shimmerDb: number;
}

const MAX_PERIODS = 64;

/** Computes jitter and shimmer; preallocated buffers make repeated calls allocation-free. */
export class JitterShimmerAnalyzer {
  #pos = new Float64Array(MAX_PERIODS + 1);
  #amp = new Float64Array(MAX_PERIODS + 1);
  readonly result: JitterShimmer = { jitter: 0, shimmerDb: 0 };

  /** Analyses `length` samples at `offset` given the frame's F0 in Hz (sample rate 16 kHz). */
  analyze(samples: Float32Array, offset: number, length: number, f0Hz: number): JitterShimmer {
    const res = this.result;
    res.jitter = 0;
    res.shimmerDb = 0;
    if (!(f0Hz > 0)) return res;
    let period = 16000 / f0Hz;
    const end = offset + length;
    // first peak: the largest sample within the first period
    let p = offset, best = -Infinity;
    for (let i = offset; i < offset + Math.ceil(period) && i < end; i++) {
      if (samples[i] > best) {
        best = samples[i];
        p = i;
      }
    }
    let n = 0;
    this.#pos[n] = refine(samples, p, offset, end);
    this.#amp[n] = best;
    n++;
    while (n <= MAX_PERIODS) {
      const last = this.#pos[n - 1];
      const lo = Math.ceil(last + 0.9 * period), hi = Math.floor(last + 1.1 * period);
      if (hi >= end - 1 || hi < lo) break;
      let q = lo, qv = -Infinity;
      for (let i = lo; i <= hi; i++) {
        if (samples[i] > qv) {
          qv = samples[i];
          q = i;
        }
      }
      const pos = refine(samples, q, offset, end);
      if (!(pos > last)) break;
      // peak-to-peak amplitude of the period just closed
      let mn = Infinity;
      for (let i = Math.floor(last); i < q; i++) if (samples[i] < mn) mn = samples[i];
      this.#amp[n - 1] = this.#amp[n - 1] - mn;
      this.#pos[n] = pos;
      this.#amp[n] = qv;
      period = pos - last;
      n++;
    }
    // n peaks → n-1 periods with closed amplitudes (the last peak's amplitude is not closed)
    const periods = n - 1;
    if (periods < 2) return res;
    let sumT = 0, sumDT = 0, sumDA = 0, nA = 0;
    for (let i = 0; i < periods; i++) {
      const t = this.#pos[i + 1] - this.#pos[i];
      sumT += t;
      if (i > 0) sumDT += Math.abs(t - (this.#pos[i] - this.#pos[i - 1]));
      if (i > 0 && this.#amp[i] > 0 && this.#amp[i - 1] > 0) {
        sumDA += Math.abs(20 * Math.log10(this.#amp[i] / this.#amp[i - 1]));
        nA++;
      }
    }
    res.jitter = sumDT / (periods - 1) / (sumT / periods);
    res.shimmerDb = nA > 0 ? sumDA / nA : 0;
    if (!Number.isFinite(res.jitter) || !Number.isFinite(res.shimmerDb)) res.jitter = res.shimmerDb = 0;
    return res;
  }
}

/** Sub-sample peak position by parabolic interpolation. */
function refine(x: Float32Array, i: number, lo: number, hi: number): number {
  if (i <= lo || i >= hi - 1) return i;
  const a = x[i - 1], b = x[i], c = x[i + 1];
  const den = a - 2 * b + c;
  return den < 0 ? i + (0.5 * (a - c)) / den : i;
}
