/**
 * Streaming band-limited resampler (windowed-sinc interpolation, Smith's bandlimited
 * interpolation method, https://ccrma.stanford.edu/~jos/resample/). The kernel is tabulated
 * once per rate pair and linearly interpolated between table phases.
 */

/** Options for {@linkcode Resampler}. */
export interface ResamplerOptions {
  /** Input rate in Hz. */
  inputRate: number;
  /** Output rate in Hz. */
  outputRate: number;
  /** Zero crossings of the sinc kernel on each side. Default 16 (stop-band ≈ -70 dB with Blackman window). */
  zeroCrossings?: number;
  /** Cut-off as a fraction of the lower Nyquist frequency. Default 0.92. */
  rolloff?: number;
}

const PHASES_PER_ZERO_CROSSING = 256;

interface Kernel {
  table: Float32Array;
  /** Half width of the kernel in input samples. */
  halfWidth: number;
  /** Table entries per input sample. */
  perSample: number;
}

const kernelCache = new Map<string, Kernel>();

function makeKernel(inputRate: number, outputRate: number, zeroCrossings: number, rolloff: number): Kernel {
  const key = `${inputRate}:${outputRate}:${zeroCrossings}:${rolloff}`;
  const cached = kernelCache.get(key);
  if (cached) return cached;
  // Cut-off in cycles per input sample; below the lower of the two Nyquist frequencies.
  const fc = 0.5 * rolloff * Math.min(1, outputRate / inputRate);
  const halfWidth = zeroCrossings / (2 * fc);
  const perSample = PHASES_PER_ZERO_CROSSING * 2 * fc;
  const n = Math.ceil(halfWidth * perSample) + 2;
  const table = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const d = i / perSample; // distance in input samples
    const x = 2 * fc * d;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const w = d >= halfWidth ? 0 : 0.42 + 0.5 * Math.cos(Math.PI * d / halfWidth) +
      0.08 * Math.cos(2 * Math.PI * d / halfWidth); // Blackman window
    table[i] = 2 * fc * sinc * w;
  }
  const kernel = { table, halfWidth, perSample };
  kernelCache.set(key, kernel);
  return kernel;
}

/**
 * Converts a stream of samples between rates. `push` returns the output samples that can be
 * computed so far; `flush` returns the rest. The total output length is
 * round(inputLength · outputRate / inputRate), so the output sample count defines the media clock.
 */
export class Resampler {
  readonly inputRate: number;
  readonly outputRate: number;
  readonly #passthrough: boolean;
  readonly #kernel: Kernel | undefined;
  readonly #step: number;
  /** Unconsumed input, preceded by up to halfWidth samples of history. */
  #buf = new Float32Array(0);
  /** Absolute input index of #buf[0]. */
  #bufStart = 0;
  /** Number of output samples produced. */
  #produced = 0;
  #consumedInput = 0;

  constructor(options: ResamplerOptions) {
    const { inputRate, outputRate } = options;
    if (!(inputRate > 0) || !(outputRate > 0)) throw new RangeError("sample rates must be positive");
    this.inputRate = inputRate;
    this.outputRate = outputRate;
    this.#passthrough = inputRate === outputRate;
    this.#step = inputRate / outputRate;
    if (!this.#passthrough) {
      this.#kernel = makeKernel(inputRate, outputRate, options.zeroCrossings ?? 16, options.rolloff ?? 0.92);
    }
  }

  /** Feeds input samples; returns the output samples now computable. */
  push(input: Float32Array): Float32Array {
    this.#consumedInput += input.length;
    if (this.#passthrough) {
      this.#produced += input.length;
      return input;
    }
    const merged = new Float32Array(this.#buf.length + input.length);
    merged.set(this.#buf);
    merged.set(input, this.#buf.length);
    this.#buf = merged;
    return this.#drain(false);
  }

  /** Returns the remaining output once the input has ended. */
  flush(): Float32Array {
    if (this.#passthrough) return new Float32Array(0);
    return this.#drain(true);
  }

  #drain(final: boolean): Float32Array {
    const k = this.#kernel!;
    const bufEnd = this.#bufStart + this.#buf.length;
    const totalOut = Math.round(this.#consumedInput / this.#step);
    const out: number[] = [];
    for (;;) {
      const pos = this.#produced * this.#step; // absolute input position of the next output
      if (final ? this.#produced >= totalOut : pos + k.halfWidth >= bufEnd) break;
      out.push(this.#sample(pos));
      this.#produced++;
    }
    // Keep only the history the next output still needs.
    const keepFrom = Math.max(this.#bufStart, Math.floor(this.#produced * this.#step - k.halfWidth) - 1);
    if (keepFrom > this.#bufStart) {
      this.#buf = this.#buf.slice(keepFrom - this.#bufStart);
      this.#bufStart = keepFrom;
    }
    return Float32Array.from(out);
  }

  #sample(pos: number): number {
    const { table, halfWidth, perSample } = this.#kernel!;
    const buf = this.#buf;
    const start = this.#bufStart;
    const lo = Math.max(Math.ceil(pos - halfWidth), start);
    const hi = Math.min(Math.floor(pos + halfWidth), start + buf.length - 1);
    let acc = 0;
    for (let j = lo; j <= hi; j++) {
      const t = Math.abs(pos - j) * perSample;
      const i = t | 0;
      const f = t - i;
      const h = table[i] + f * (table[i + 1] - table[i]);
      acc += buf[j - start] * h;
    }
    // The kernel integrates to 1 over unit-spaced taps, so the passband gain is 1 either way.
    return acc;
  }
}
