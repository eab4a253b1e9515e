/**
 * The last stretch of a stream's 16 kHz audio, so an utterance can be handed to the recogniser
 * once the VAD has closed it. Bounded: a ring of 16-bit samples (default 20 s, 640 kB), longer than
 * the segmenter's longest utterance (15 s by default) with its margins; the span is copied out when
 * the utterance ends, so time spent in the recogniser's queue needs no history.
 */

const SAMPLES_PER_MS = 16;

/** Ring of int16 samples on the stream's media clock. */
export class PcmHistory {
  readonly #ring: Int16Array;
  #written = 0; // samples pushed since the start: the media clock in samples

  /** @param capacityMs audio kept, in ms (≥ 1000; default 20000) */
  constructor(readonly capacityMs = 20_000) {
    if (!(capacityMs >= 1000)) throw new RangeError("capacityMs must be ≥ 1000");
    this.#ring = new Int16Array(Math.ceil(capacityMs * SAMPLES_PER_MS));
  }

  /** Media time reached, in ms. */
  get endMs(): number {
    return this.#written / SAMPLES_PER_MS;
  }

  /** Appends samples in [-1, 1]. */
  push(samples: Float32Array): void {
    const n = this.#ring.length;
    for (let i = 0; i < samples.length; i++) {
      const v = Math.max(-1, Math.min(1, samples[i]));
      this.#ring[(this.#written + i) % n] = Math.round(v * 32767);
    }
    this.#written += samples.length;
  }

  /**
   * Audio of [startMs, endMs) as floats, clipped to what is still held; null when none of it is
   * (too old, or not yet pushed).
   */
  slice(startMs: number, endMs: number): Float32Array | null {
    const oldest = Math.max(0, this.#written - this.#ring.length);
    const from = Math.max(oldest, Math.floor(startMs * SAMPLES_PER_MS));
    const to = Math.min(this.#written, Math.ceil(endMs * SAMPLES_PER_MS));
    if (to <= from) return null;
    const out = new Float32Array(to - from);
    const n = this.#ring.length;
    for (let s = from; s < to; s++) out[s - from] = this.#ring[s % n] / 32768;
    return out;
  }
}
