/**
 * Sound level of the last minute of a stream, in 10 ms cells, so an utterance's RMS and peak
 * level cost O(cells) when it ends without keeping its audio.
 */

const CELL_SAMPLES = 160; // 10 ms at 16 kHz

/** Bounded ring of per-10 ms energy and peak. */
export class LevelMeter {
  readonly #sumsq: Float64Array;
  readonly #peak: Float32Array;
  #cells = 0; // completed cells
  #accSq = 0;
  #accPeak = 0;
  #accN = 0;

  /** @param capacityMs history kept, in ms (default 90 s) */
  constructor(readonly capacityMs = 90_000) {
    const n = Math.ceil(capacityMs / 10);
    this.#sumsq = new Float64Array(n);
    this.#peak = new Float32Array(n);
  }

  /** Adds 16 kHz samples. */
  push(samples: Float32Array): void {
    // (the running cell in locals: this is on every audio message's path)
    let sq = this.#accSq, peak = this.#accPeak, n = this.#accN, i = 0;
    const len = samples.length;
    while (i < len) {
      const end = Math.min(len, i + CELL_SAMPLES - n);
      n += end - i;
      for (; i < end; i++) {
        const v = samples[i];
        sq += v * v;
        const a = v < 0 ? -v : v;
        if (a > peak) peak = a;
      }
      if (n === CELL_SAMPLES) {
        const k = this.#cells++ % this.#sumsq.length;
        this.#sumsq[k] = sq;
        this.#peak[k] = peak;
        sq = peak = n = 0;
      }
    }
    this.#accSq = sq;
    this.#accPeak = peak;
    this.#accN = n;
  }

  /** RMS and peak level in dBFS over [startMs, endMs) (cells still held); -120 for silence. */
  levels(startMs: number, endMs: number): { rmsDb: number; peakDb: number } {
    const from = Math.max(Math.floor(startMs / 10), this.#cells - this.#sumsq.length, 0);
    const to = Math.min(Math.ceil(endMs / 10), this.#cells);
    let sq = 0, peak = 0;
    for (let c = from; c < to; c++) {
      sq += this.#sumsq[c % this.#sumsq.length];
      peak = Math.max(peak, this.#peak[c % this.#peak.length]);
    }
    const n = Math.max(1, (to - from) * CELL_SAMPLES);
    const db = (x: number) => Math.max(-120, Math.round(10 * Math.log10(x + 1e-12) * 10) / 10);
    return { rmsDb: db(sq / n), peakDb: db(peak * peak) };
  }
}
