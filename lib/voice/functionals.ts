/**
 * eGeMAPS v02 functionals of a span of LLD frames (Eyben et al. 2016, Section 3.2; selection
 * rules from openSMILE's eGeMAPSv02 configuration): F0 and loudness get 10 statistics,
 * spectral and cepstral LLDs mean and coefficient of variation over all frames, voice-quality
 * and formant LLDs and the voiced spectral set the same over voiced frames only (sma3nz),
 * unvoiced spectral means, temporal (rate and segment-length) features and the equivalent
 * sound level; then this project's extras (MFCC 5–12 statistics, textbook formants and harmonic
 * differences over voiced frames, delta statistics; functional_names.ts). O(frames).
 */
import { HOP_MS, LLD, LLD_COUNT, LLD_NAMES } from "./lld_names.ts";
import { DELTA_LLD_NAMES, EGEMAPS_FUNCTIONAL_COUNT, FEATURE_COUNT, TEXTBOOK_LLD_NAMES } from "./functional_names.ts";
import { UNVOICED_AMPLITUDE_DB } from "./harmonic_peaks.ts";
import {
  mean,
  nonZero,
  peaks2Slopes,
  percentiles,
  runLengths,
  slopeStats,
  smooth3,
  stddev,
  stddevNorm,
} from "./statistics.ts";

const FRAME_SEC = HOP_MS / 1000;
/** LLD columns of the voiced (sma3nz) set, in functional order. */
const VOICED_COLUMNS = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24];
/** Formant amplitude columns (F1–F3 amplitudeLogRelF0). */
const AMPLITUDE_COLUMNS = [18, 21, 24];
/** LLD columns of the spectral set split by voicing: alpha, Hammarberg, slopes, flux, MFCC 1–4 (V only). */
const SPECTRAL_COLUMNS = [1, 2, 3, 4, 5, 6, 7, 8, 9];
/** LLD columns whose frame-to-frame change is summarised, in functional order. */
const DELTA_COLUMNS = DELTA_LLD_NAMES.map((name) => LLD_NAMES.indexOf(name));

/**
 * Voiced runs shorter than this many frames are treated as unvoiced: the frame-wise tracker
 * has no Viterbi path, and isolated voiced frames are mostly noise (it halves the spurious
 * voiced segments measured against openSMILE, docs/voice.md).
 */
export const MIN_VOICED_FRAMES = 3;

/**
 * Voiced frames whose F0 lies more than this many semitones from the span's median voiced F0
 * are treated as unvoiced. openSMILE's Viterbi path makes such jumps costly; our frame-wise
 * tracker instead finds isolated high "F0" in fricatives and breathy onsets (measured on the
 * reference LLDs: openSMILE has 6 of 1,049 voiced frames beyond an octave, we had 95, none of
 * them matching openSMILE's F0; docs/voice.md).
 */
export const MAX_F0_DEVIATION_SEMITONES = 12;

/** Zeroes the non-zero values further than `maxDev` from their median, in place. */
export function dropF0Outliers(x: Float64Array, maxDev: number): Float64Array {
  const v = nonZero(x);
  if (v.length === 0) return x;
  const [med] = percentiles(v, [0.5]);
  for (let i = 0; i < x.length; i++) if (x[i] !== 0 && Math.abs(x[i] - med) > maxDev) x[i] = 0;
  return x;
}

/** Zeroes runs of non-zero values shorter than `minRun`, in place. */
export function dropShortRuns(x: Float64Array, minRun: number): Float64Array {
  let start = -1;
  for (let i = 0; i <= x.length; i++) {
    const nz = i < x.length && x[i] !== 0;
    if (nz && start < 0) start = i;
    if (!nz && start >= 0) {
      if (i - start < minRun) x.fill(0, start, i);
      start = -1;
    }
  }
  return x;
}

/** Extracts column `j` of frames [0, n) of a row-major LLD matrix. */
function column(llds: Float32Array, n: number, j: number): Float64Array {
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) out[t] = llds[t * LLD_COUNT + j];
  return out;
}

/** Ten statistics of F0 or loudness: mean, CV, 20/50/80th percentiles, 20–80 range, slopes. */
function tenStats(x: Float64Array, out: Float64Array, at: number): void {
  out[at] = mean(x);
  out[at + 1] = stddevNorm(x);
  const s = peaks2Slopes(x, FRAME_SEC);
  const [p20, p50, p80] = percentiles(x.slice(), [0.2, 0.5, 0.8]);
  out[at + 2] = p20;
  out[at + 3] = p50;
  out[at + 4] = p80;
  out[at + 5] = p80 - p20;
  out[at + 6] = s.meanRising;
  out[at + 7] = s.stddevRising;
  out[at + 8] = s.meanFalling;
  out[at + 9] = s.stddevFalling;
}

/** Standard deviation of the first difference x[t+1] − x[t] (0 for fewer than two frames). */
function deltaStddev(x: Float64Array): number {
  if (x.length < 2) return 0;
  const d = new Float64Array(x.length - 1);
  for (let t = 0; t < d.length; t++) d[t] = x[t + 1] - x[t];
  return stddev(d);
}

/** Mean |x[t+1] − x[t]| over pairs of consecutive non-zero (voiced) frames; 0 when there are none. */
function voicedDeltaMeanAbs(x: Float64Array): number {
  let sum = 0, count = 0;
  for (let t = 0; t + 1 < x.length; t++) {
    if (x[t] !== 0 && x[t + 1] !== 0) (sum += Math.abs(x[t + 1] - x[t])), count++;
  }
  return count > 0 ? sum / count : 0;
}

function meanStd(lengths: number[]): [number, number] {
  const a = Float64Array.from(lengths);
  return [mean(a), stddev(a)];
}

/**
 * Computes the feature vector ({@linkcode FEATURE_COUNT} values, eGeMAPS first) of `n` frames
 * of a row-major LLD matrix (n × LLD_COUNT). Returns null when `n` is 0.
 */
export function computeFunctionals(llds: Float32Array, n: number): Float64Array | null {
  if (n <= 0) return null;
  if (llds.length < n * LLD_COUNT) throw new RangeError(`LLD matrix holds fewer than ${n} frames`);
  const out = new Float64Array(FEATURE_COUNT);
  const f0raw = dropShortRuns(
    dropF0Outliers(dropShortRuns(column(llds, n, LLD.f0), MIN_VOICED_FRAMES), MAX_F0_DEVIATION_SEMITONES),
    MIN_VOICED_FRAMES,
  );
  const voiced = (t: number) => f0raw[t] > 0;
  let k = 0;

  const f0 = smooth3(f0raw, true);
  tenStats(nonZero(f0), out, k);
  k += 10;
  const loud = smooth3(column(llds, n, LLD.loudness), false);
  tenStats(loud, out, k);
  k += 10;
  for (const j of [LLD.flux, 6, 7, 8, 9]) {
    const x = smooth3(column(llds, n, j), false);
    out[k++] = mean(x);
    out[k++] = stddevNorm(x);
  }
  const gated = new Float64Array(n);
  for (const j of VOICED_COLUMNS) {
    // formant amplitudes keep openSMILE's −201 dB in unvoiced frames (they are not gated by F0 there)
    const unvoiced = AMPLITUDE_COLUMNS.includes(j) ? UNVOICED_AMPLITUDE_DB : 0;
    for (let t = 0; t < n; t++) gated[t] = voiced(t) ? llds[t * LLD_COUNT + j] : unvoiced;
    const x = nonZero(smooth3(gated, true));
    out[k++] = mean(x);
    out[k++] = stddevNorm(x);
  }
  for (const j of SPECTRAL_COLUMNS) {
    for (let t = 0; t < n; t++) gated[t] = voiced(t) ? llds[t * LLD_COUNT + j] : 0;
    const x = nonZero(smooth3(gated, true));
    out[k++] = mean(x);
    out[k++] = stddevNorm(x);
  }
  for (const j of SPECTRAL_COLUMNS.slice(0, 5)) {
    for (let t = 0; t < n; t++) gated[t] = voiced(t) ? 0 : llds[t * LLD_COUNT + j];
    out[k++] = mean(nonZero(smooth3(gated, true)));
  }
  const durationSec = n * FRAME_SEC;
  out[k++] = slopeStats(loud, FRAME_SEC).peaks / durationSec;
  const voicedRuns = runLengths(f0, true), unvoicedRuns = runLengths(f0, false);
  const [vMean, vStd] = meanStd(voicedRuns);
  const [uMean, uStd] = meanStd(unvoicedRuns);
  out[k++] = voicedRuns.length / durationSec;
  out[k++] = vMean * FRAME_SEC;
  out[k++] = vStd * FRAME_SEC;
  out[k++] = uMean * FRAME_SEC;
  out[k++] = uStd * FRAME_SEC;
  // equivalent sound level: 10·log10 of the mean frame energy (openSMILE Leq, dBp)
  out[k++] = 10 * Math.log10(Math.max(mean(column(llds, n, LLD.energy)), 1e-12));
  if (k !== EGEMAPS_FUNCTIONAL_COUNT) throw new Error(`internal: wrote ${k} eGeMAPS functionals`);
  for (let i = 0; i < 8; i++) {
    const x = smooth3(column(llds, n, LLD.mfcc5 + i), false);
    const m = mean(x);
    out[k++] = m;
    out[k++] = stddev(x, m);
  }
  for (let j = LLD.f1Lpc; j < LLD.f1Lpc + TEXTBOOK_LLD_NAMES.length; j++) {
    for (let t = 0; t < n; t++) gated[t] = voiced(t) ? llds[t * LLD_COUNT + j] : 0;
    const x = nonZero(smooth3(gated, true));
    out[k++] = mean(x);
    out[k++] = stddevNorm(x);
  }
  for (const j of DELTA_COLUMNS) out[k++] = deltaStddev(smooth3(column(llds, n, j), false));
  out[k++] = voicedDeltaMeanAbs(f0);
  if (k !== FEATURE_COUNT) throw new Error(`internal: wrote ${k} of ${FEATURE_COUNT} features`);
  return out;
}
