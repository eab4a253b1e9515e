/**
 * Harmonic peaks of a voiced frame and the eGeMAPS harmonic-amplitude descriptors derived from
 * them: H1–H2, H1–A3 and the formant amplitudes relative to F0 (openSMILE cHarmonics, as the
 * eGeMAPS v02 configuration uses it on the 60 ms Gaussian-window magnitude spectrum, 1024-point
 * FFT).
 *
 * The definitions follow openSMILE 3.0's behaviour, which is what the eGeMAPS reference values
 * are. Harmonic k (k = 0 is the F0 peak) is the spectral peak nearest to (k+1)·F0, searched
 * alternately right then left within ±F0/2; its level is the parabolically interpolated peak
 * magnitude in dB relative to the uninterpolated F0 peak, floored at −200 dB (−201 dB for a
 * peak that repeats the previous harmonic's bin). openSMILE's "H1" and "H2" are harmonics 1 and
 * 2 of that numbering, i.e. the peaks at 2·F0 and 3·F0 (the reference H1–H2 matches only this
 * reading: frame-level r 0.66 against 0.06 for the textbook F0 and 2·F0 peaks). A formant's
 * amplitude is the level of the strongest harmonic (by uninterpolated magnitude) within ±20 %
 * of the formant frequency, 0 when there is none; A3 is that harmonic for F3 (H1–A3 =
 * H1 − 201 dB, clipped to ±201, when there is none).
 */

/** Level written for an unvoiced frame's formant amplitudes (openSMILE logRelValueFloorUnvoiced). */
export const UNVOICED_AMPLITUDE_DB = -201;
/** Floor of a harmonic's level relative to H1, in dB. */
const LEVEL_FLOOR_DB = -200;
/** Level of a harmonic that repeats the previous one's bin, in dB. */
const DUPLICATE_LEVEL_DB = -201;
/** Half-width of the band searched around a formant for its strongest harmonic, relative to the formant. */
const FORMANT_BAND = 0.2;

/** H1–H2, H1–A3 (dB) and formant amplitudes relative to H1 (dB) of one voiced frame. */
export interface HarmonicLevels {
  h1h2Db: number;
  h1a3Db: number;
  /** F1–F3 amplitudes relative to H1, dB; 0 where no harmonic lies near the formant. */
  formantDb: Float64Array;
}

/** Finds harmonic peaks in a linear-frequency magnitude spectrum. Reuses its buffers. */
export class HarmonicPeaks {
  readonly binHz: number;
  readonly bins: number;
  #bin: Int32Array;
  #mag: Float64Array;
  #freq: Float64Array;
  #level: Float64Array;
  readonly levels: HarmonicLevels = { h1h2Db: 0, h1a3Db: 0, formantDb: new Float64Array(3) };

  /** `bins` magnitude values (DC to Nyquist) spaced `binHz` apart; at most `maxHarmonics` harmonics. */
  constructor(bins: number, binHz: number, maxHarmonics = 100) {
    if (!(bins >= 3) || !(binHz > 0) || !(maxHarmonics >= 2)) throw new RangeError("invalid HarmonicPeaks options");
    this.bins = bins;
    this.binHz = binHz;
    this.#bin = new Int32Array(maxHarmonics);
    this.#mag = new Float64Array(maxHarmonics);
    this.#freq = new Float64Array(maxHarmonics);
    this.#level = new Float64Array(maxHarmonics);
  }

  /** Nearest bin of `hz` (ties round up); 0 above the last bin, as openSMILE's lookup does. */
  #toBin(hz: number): number {
    const b = Math.floor(hz / this.binHz + 0.5);
    return b >= this.bins - 1 && hz >= (this.bins - 1) * this.binHz ? 0 : b;
  }

  #isPeak(m: Float64Array, n: number): boolean {
    const last = this.bins - 1;
    if (n < 0 || n > last) return false;
    if (n === 0) return m[0] > m[1];
    if (n === last) return m[n] > m[n - 1];
    return m[n] > m[n - 1] && m[n] > m[n + 1];
  }

  /**
   * Computes {@linkcode levels} from magnitude spectrum `m`, F0 (Hz, > 0) and the formant
   * frequencies `formantHz` (Hz, 0 = none). Harmonics are searched only as high as the
   * formant bands need.
   */
  analyze(m: Float64Array, f0Hz: number, formantHz: ArrayLike<number>): HarmonicLevels {
    let topHz = 3.5 * f0Hz;
    for (let i = 0; i < 3; i++) topHz = Math.max(topHz, (1 + FORMANT_BAND) * formantHz[i] + f0Hz);
    const n = Math.min(this.#bin.length, Math.max(2, Math.ceil(topHz / f0Hz)));
    const firstBin = this.#toBin(0.5 * f0Hz);
    for (let i = 0; i < n; i++) {
      const cand = this.#toBin((i + 1) * f0Hz);
      let peak = -1;
      if (this.#isPeak(m, cand)) peak = cand;
      else {
        const lower = this.#toBin((i + 0.5) * f0Hz), upper = this.#toBin((i + 1.5) * f0Hz);
        let l = cand - 1, r = cand + 1;
        while ((l >= lower || r <= upper) && peak < 0) {
          if (r <= upper) {
            if (this.#isPeak(m, r)) {
              peak = r;
              break;
            }
            r++;
          }
          if (l >= lower) {
            if (this.#isPeak(m, l)) {
              peak = l;
              break;
            }
            l--;
          }
        }
      }
      if (peak >= firstBin && peak < this.bins - 1 && peak > 0) {
        const a = m[peak - 1], b = m[peak], c = m[peak + 1];
        const den = a - 2 * b + c;
        const d = den < 0 ? (0.5 * (a - c)) / den : 0;
        this.#bin[i] = peak;
        this.#mag[i] = b;
        this.#freq[i] = (peak + d) * this.binHz;
        this.#level[i] = b - 0.25 * (a - c) * d; // interpolated magnitude, converted below
      } else {
        this.#bin[i] = cand;
        this.#mag[i] = 0;
        this.#freq[i] = 0;
        this.#level[i] = 0;
      }
    }
    // levels relative to the (uninterpolated) H1 peak
    const f0Peak = this.#mag[0];
    this.#level[0] = 0;
    for (let i = 1; i < n; i++) {
      if (!(f0Peak > 0)) this.#level[i] = DUPLICATE_LEVEL_DB;
      else {
        const v = this.#level[i];
        this.#level[i] = v > 0 ? Math.max(LEVEL_FLOOR_DB, 20 * Math.log10(v / f0Peak)) : LEVEL_FLOOR_DB;
      }
      if (this.#bin[i] === this.#bin[i - 1]) {
        this.#mag[i] = 0;
        this.#freq[i] = 0;
        this.#level[i] = DUPLICATE_LEVEL_DB;
      }
    }
    const out = this.levels;
    // openSMILE numbers harmonics from 0 (the F0 peak), so its "H1" and "H2" are the peaks at 2·F0 and 3·F0
    const h1 = this.#level[1];
    out.h1h2Db = clip201(h1 - this.#level[2]);
    for (let f = 0; f < 3; f++) {
      const idx = this.#strongestNear(formantHz[f], n);
      out.formantDb[f] = idx >= 0 ? this.#level[idx] : 0;
      if (f === 2) out.h1a3Db = clip201(h1 - (idx >= 0 ? this.#level[idx] : -DUPLICATE_LEVEL_DB));
    }
    return out;
  }

  #strongestNear(hz: number, n: number): number {
    const lo = (1 - FORMANT_BAND) * hz, hi = (1 + FORMANT_BAND) * hz;
    let best = -1, bestMag = 0;
    for (let i = 0; i < n; i++) {
      if (this.#freq[i] >= lo && this.#freq[i] <= hi && this.#mag[i] > bestMag) {
        best = i;
        bestMag = this.#mag[i];
      }
    }
    return best;
  }
}

function clip201(v: number): number {
  return Math.min(201, Math.max(-201, v));
}
