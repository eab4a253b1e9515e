/**
 * A fixed-capacity ring of LLD frames: the last `capacity` frames of a stream, addressed by
 * absolute frame index. Memory is constant over a call of any length.
 */
import { LLD_COUNT } from "./lld_names.ts";

/** Ring buffer of LLD vectors. */
export class LldRing {
  readonly capacity: number;
  #data: Float32Array;
  #end: number; // absolute index of the next frame
  readonly #first: number;

  /**
   * `capacity` in frames (≥ 1); `first` is the absolute index of the first frame appended (a
   * stream that joins a media clock mid-way, e.g. after a worker restart). Default 0.
   */
  constructor(capacity: number, first = 0) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("LldRing capacity must be an integer ≥ 1");
    if (!Number.isInteger(first) || first < 0) throw new RangeError("LldRing first must be an integer ≥ 0");
    this.capacity = capacity;
    this.#data = new Float32Array(capacity * LLD_COUNT);
    this.#first = this.#end = first;
  }

  /** Absolute index of the oldest retained frame. */
  get start(): number {
    return Math.max(this.#first, this.#end - this.capacity);
  }

  /** Absolute index one past the newest frame. */
  get end(): number {
    return this.#end;
  }

  /** Appends one frame (LLD_COUNT values). */
  append(lld: Float32Array): void {
    this.#data.set(lld.subarray(0, LLD_COUNT), (this.#end % this.capacity) * LLD_COUNT);
    this.#end++;
  }

  /** Copies frames [from, to) (clamped to what is retained) into a new row-major matrix. */
  slice(from: number, to: number): { llds: Float32Array; frames: number; first: number } {
    const a = Math.max(from, this.start), b = Math.min(to, this.#end);
    const frames = Math.max(0, b - a);
    const llds = new Float32Array(frames * LLD_COUNT);
    for (let t = 0; t < frames; t++) {
      const slot = ((a + t) % this.capacity) * LLD_COUNT;
      llds.set(this.#data.subarray(slot, slot + LLD_COUNT), t * LLD_COUNT);
    }
    return { llds, frames, first: a };
  }

  /** Forgets every frame. */
  clear(): void {
    this.#end = this.#first;
  }
}
