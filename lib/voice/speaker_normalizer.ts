/**
 * Per-speaker feature normalisation that works live: a speaker's statistics accumulate over
 * the call and are shrunk towards the corpus prior with `shrinkage` pseudo-utterances, so the
 * first utterances are normalised mostly by the prior (the same formula the training code in
 * training/voice/voice_training.py applies):
 *   mean = (n·m_s + k·m_0)/(n+k),  var = (n·v_s + k·v_0)/(n+k),  z = clip((x − mean)/√var, ±clip).
 */

/** Options for {@linkcode SpeakerNormalizer}; all vectors have the model's input length. */
export interface SpeakerNormalizerOptions {
  /** Corpus mean of every feature. */
  priorMean: ArrayLike<number>;
  /** Corpus variance of every feature (> 0). */
  priorVariance: ArrayLike<number>;
  /** Pseudo-utterances of the prior, ≥ 0. */
  shrinkage: number;
  /** z-scores are clipped to ±clip (> 0). */
  clip: number;
}

/** z = clip((x − mean)/√variance, ±clip), written to `out` as float32. */
export function normalizeWith(
  x: ArrayLike<number>,
  mean: ArrayLike<number>,
  variance: ArrayLike<number>,
  clip: number,
  out = new Float32Array(x.length),
): Float32Array {
  for (let i = 0; i < x.length; i++) {
    const z = (x[i] - mean[i]) / Math.sqrt(variance[i]);
    out[i] = Math.max(-clip, Math.min(clip, z));
  }
  return out;
}

/** Running per-speaker statistics with a shrinkage prior. */
export class SpeakerNormalizer {
  readonly dim: number;
  readonly shrinkage: number;
  readonly clip: number;
  #prior: Float64Array;
  #priorVar: Float64Array;
  #n = 0;
  #mean: Float64Array;
  #m2: Float64Array;

  constructor(options: SpeakerNormalizerOptions) {
    this.dim = options.priorMean.length;
    if (this.dim === 0 || options.priorVariance.length !== this.dim) {
      throw new RangeError("priorMean and priorVariance must be non-empty and of equal length");
    }
    this.#prior = Float64Array.from(options.priorMean);
    this.#priorVar = Float64Array.from(options.priorVariance);
    if (this.#priorVar.some((v) => !(v > 0))) throw new RangeError("priorVariance must be > 0");
    if (!(options.shrinkage >= 0)) throw new RangeError("shrinkage must be ≥ 0");
    if (!(options.clip > 0)) throw new RangeError("clip must be > 0");
    this.shrinkage = options.shrinkage;
    this.clip = options.clip;
    this.#mean = new Float64Array(this.dim);
    this.#m2 = new Float64Array(this.dim);
  }

  /** Utterances accumulated so far. */
  get count(): number {
    return this.#n;
  }

  /** Current shrunk mean and variance. */
  stats(): { mean: Float64Array; variance: Float64Array } {
    const n = this.#n, k = this.shrinkage;
    const mean = new Float64Array(this.dim), variance = new Float64Array(this.dim);
    for (let i = 0; i < this.dim; i++) {
      if (n + k === 0) {
        mean[i] = this.#prior[i];
        variance[i] = this.#priorVar[i];
        continue;
      }
      mean[i] = (n * this.#mean[i] + k * this.#prior[i]) / (n + k);
      variance[i] = (this.#m2[i] + k * this.#priorVar[i]) / (n + k); // m2 = n·v_s
    }
    return { mean, variance };
  }

  /** Normalises one feature vector with the current statistics. */
  normalize(x: ArrayLike<number>, out = new Float32Array(this.dim)): Float32Array {
    if (x.length !== this.dim) throw new RangeError(`expected ${this.dim} features, got ${x.length}`);
    const { mean, variance } = this.stats();
    return normalizeWith(x, mean, variance, this.clip, out);
  }

  /** Adds one utterance's features to the speaker's statistics (Welford's update). */
  update(x: ArrayLike<number>): void {
    if (x.length !== this.dim) throw new RangeError(`expected ${this.dim} features, got ${x.length}`);
    this.#n++;
    for (let i = 0; i < this.dim; i++) {
      const d = x[i] - this.#mean[i];
      this.#mean[i] += d / this.#n;
      this.#m2[i] += d * (x[i] - this.#mean[i]);
    }
  }

  /** Forgets the speaker (back to the prior). */
  reset(): void {
    this.#n = 0;
    this.#mean.fill(0);
    this.#m2.fill(0);
  }
}
