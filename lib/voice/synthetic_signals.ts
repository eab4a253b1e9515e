/**
 * Signals with known acoustic truth for the voice tests: tones, pulse trains with set
 * jitter/shimmer, and source-filter vowels (impulse train through formant resonators).
 */

/** A sine tone of `hz` at `amplitude` lasting `ms`, at 16 kHz. */
export function tone(hz: number, amplitude: number, ms: number): Float32Array {
  const n = Math.round(ms * 16);
  return Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / 16000));
}

/** Options for {@linkcode vowel}. */
export interface VowelOptions {
  f0Hz: number;
  /** [frequency Hz, bandwidth Hz] of each formant. */
  formants: [number, number][];
  ms: number;
  /** Periods are T·(1 ± jitter), the sign drawn per period (seeded), so the mean |ΔT|/T is `jitter`. Default 0. */
  jitter?: number;
  /** Each pulse's amplitude is 1 or this ratio (drawn per pulse), so the mean |ΔdB| is half its dB. Default 1. */
  shimmerRatio?: number;
  /** Peak amplitude. Default 0.3. */
  peak?: number;
}

/** Impulse train (glottal source) filtered by second-order resonators (Klatt-style cascade). */
export function vowel(o: VowelOptions): Float32Array {
  const n = Math.round(o.ms * 16);
  let x = new Float64Array(n);
  const t0 = 16000 / o.f0Hz, j = o.jitter ?? 0, g = o.shimmerRatio ?? 1;
  let seed = 12345;
  const coin = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) >> 16) % 2 === 0;
  for (let pos = 0; pos < n;) {
    x[Math.round(pos)] = coin() ? g : 1;
    pos += t0 * (coin() ? 1 - j : 1 + j);
  }
  for (const [f, bw] of o.formants) {
    const r = Math.exp((-Math.PI * bw) / 16000), th = (2 * Math.PI * f) / 16000;
    const a1 = 2 * r * Math.cos(th), a2 = -r * r;
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = x[i] + a1 * (i > 0 ? y[i - 1] : 0) + a2 * (i > 1 ? y[i - 2] : 0);
    x = y;
  }
  let mx = 0;
  for (const v of x) mx = Math.max(mx, Math.abs(v));
  return Float32Array.from(x, (v) => ((o.peak ?? 0.3) * v) / mx);
}
