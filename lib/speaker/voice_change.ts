/**
 * Speaker changes in audio with one mixed track and no faces: each utterance is compared with
 * the voices heard so far by the Bayesian information criterion (Chen & Gopalakrishnan 1998,
 * "Speaker, environment and channel change detection and clustering via the BIC"): with X the
 * utterance's voiced frames and C a voice's frames, each a full-covariance Gaussian,
 *
 *   ΔBIC = ½·(N log|Σ_{C∪X}| − N_C log|Σ_C| − N_X log|Σ_X|) − λ·½·(d + d(d+1)/2)·log N,
 *
 * over d = 13 of the project's own voice features per 10 ms frame (MFCC 1–12 and F0 in
 * semitones, lib/voice LLDs; voiced frames only). ΔBIC ≤ 0 for the closest voice: same speaker
 * (its frames join it); otherwise a new voice. λ (penalty weight) was chosen on RAVDESS composites
 * of odd actors and measured on even ones (training/speaker/evaluate_speakers.ts, docs/asr.md).
 */
import { extractLlds, LLD, LLD_COUNT } from "../voice/mod.ts";

/** Options for {@linkcode VoiceChangeDetector}. */
export interface VoiceChangeOptions {
  /** BIC penalty weight λ; default the measured choice (DEFAULT_BIC_LAMBDA). */
  lambda?: number;
  /** Utterances with fewer voiced frames are given the previous voice; default 40 (0.4 s). */
  minFrames?: number;
  /** Frames kept per voice (the latest); default 3000 (30 s of voiced speech). */
  maxFramesPerVoice?: number;
  /** Most voices; beyond it an utterance joins the closest; default 8. */
  maxVoices?: number;
}

/** λ chosen by training/speaker/evaluate_speakers.ts on odd RAVDESS actors (docs/asr.md). */
export const DEFAULT_BIC_LAMBDA = 1.5;

/** Feature columns: MFCC 1–4, MFCC 5–12, F0 (semitones). */
const COLUMNS = [
  LLD.mfcc1,
  LLD.mfcc1 + 1,
  LLD.mfcc1 + 2,
  LLD.mfcc1 + 3,
  ...Array.from({ length: 8 }, (_, k) => LLD.mfcc5 + k),
  LLD.f0,
];
const D = COLUMNS.length;

/** Voiced frames (F0 > 0) of 16 kHz audio as rows of the 13 features. */
export function voicedFeatureFrames(pcm16k: Float32Array): Float64Array[] {
  const llds = extractLlds(pcm16k);
  const rows: Float64Array[] = [];
  for (let t = 0; t * LLD_COUNT < llds.length; t++) {
    const o = t * LLD_COUNT;
    if (!(llds[o + LLD.f0] > 0)) continue;
    const r = new Float64Array(D);
    for (let k = 0; k < D; k++) r[k] = llds[o + COLUMNS[k]];
    if (r.every(Number.isFinite)) rows.push(r);
  }
  return rows;
}

/** log-determinant of the (ridge-regularised) covariance of rows, by Cholesky. */
function logDetCov(rows: readonly Float64Array[]): number {
  const n = rows.length;
  const mean = new Float64Array(D);
  for (const r of rows) for (let k = 0; k < D; k++) mean[k] += r[k] / n;
  const c = new Float64Array(D * D);
  for (const r of rows) {
    for (let i = 0; i < D; i++) {
      const di = r[i] - mean[i];
      for (let j = 0; j <= i; j++) c[i * D + j] += (di * (r[j] - mean[j])) / n;
    }
  }
  let trace = 0;
  for (let i = 0; i < D; i++) trace += c[i * D + i];
  const ridge = 1e-3 * (trace / D) + 1e-9;
  for (let i = 0; i < D; i++) c[i * D + i] += ridge;
  let logdet = 0;
  for (let j = 0; j < D; j++) {
    let s = c[j * D + j];
    for (let k = 0; k < j; k++) s -= c[j * D + k] ** 2;
    const l = Math.sqrt(Math.max(s, 1e-12));
    c[j * D + j] = l;
    logdet += 2 * Math.log(l);
    for (let i = j + 1; i < D; i++) {
      let v = c[i * D + j];
      for (let k = 0; k < j; k++) v -= c[i * D + k] * c[j * D + k];
      c[i * D + j] = v / l;
    }
  }
  return logdet;
}

/** ΔBIC of modelling a and b apart rather than together (> 0: different sources). */
export function deltaBic(a: readonly Float64Array[], b: readonly Float64Array[], lambda: number): number {
  const n = a.length + b.length;
  const all = [...a, ...b];
  const p = D + (D * (D + 1)) / 2;
  return 0.5 * (n * logDetCov(all) - a.length * logDetCov(a) - b.length * logDetCov(b)) -
    lambda * 0.5 * p * Math.log(n);
}

/** What {@linkcode VoiceChangeDetector.push} decides for one utterance. */
export interface VoiceDecision {
  /** 1-based voice id. */
  voiceId: number;
  /** Whether the voice differs from the previous utterance's. */
  change: boolean;
  /** ΔBIC against the chosen voice (null: too few voiced frames, or the first utterance). */
  deltaBic: number | null;
}

/** Sequential BIC clustering of a recording's utterances into voices. */
export class VoiceChangeDetector {
  readonly #lambda: number;
  readonly #minFrames: number;
  readonly #maxFrames: number;
  readonly #maxVoices: number;
  #voices: Float64Array[][] = [];
  #previous = 0;

  constructor(options: VoiceChangeOptions = {}) {
    this.#lambda = options.lambda ?? DEFAULT_BIC_LAMBDA;
    this.#minFrames = options.minFrames ?? 40;
    this.#maxFrames = options.maxFramesPerVoice ?? 3000;
    this.#maxVoices = options.maxVoices ?? 8;
    if (!(this.#lambda > 0)) throw new RangeError("lambda must be > 0");
    if (!(this.#minFrames >= D + 2)) throw new RangeError(`minFrames must be ≥ ${D + 2}`);
  }

  /** Decides the voice of the next utterance, given its 16 kHz audio. */
  push(pcm16k: Float32Array): VoiceDecision {
    return this.pushFrames(voicedFeatureFrames(pcm16k));
  }

  /** As {@linkcode push}, from precomputed voiced feature rows. */
  pushFrames(frames: Float64Array[]): VoiceDecision {
    if (frames.length < this.#minFrames) {
      if (this.#previous === 0) {
        this.#voices.push([...frames]);
        this.#previous = 1;
      }
      return { voiceId: this.#previous, change: false, deltaBic: null };
    }
    if (this.#voices.length === 0 || this.#voices.every((v) => v.length < this.#minFrames)) {
      this.#voices = [[...(this.#voices[0] ?? []), ...frames]];
      this.#previous = 1;
      return { voiceId: 1, change: false, deltaBic: null };
    }
    let best = -1, bestBic = Infinity;
    this.#voices.forEach((v, i) => {
      if (v.length < this.#minFrames) return;
      const b = deltaBic(v, frames, this.#lambda);
      if (b < bestBic) (bestBic = b, best = i);
    });
    let id: number;
    if (bestBic <= 0 || this.#voices.length >= this.#maxVoices) {
      id = best + 1;
      const v = this.#voices[best];
      v.push(...frames);
      if (v.length > this.#maxFrames) v.splice(0, v.length - this.#maxFrames);
    } else {
      this.#voices.push([...frames]);
      id = this.#voices.length;
    }
    const change = id !== this.#previous;
    this.#previous = id;
    return { voiceId: id, change, deltaBic: Math.round(bestBic * 10) / 10 };
  }
}
