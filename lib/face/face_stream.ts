/**
 * One participant's face stage: buffers recent face frames and turns the frames of a span
 * into a {@linkcode ModalityEstimate}.
 *
 * The model is per frame (it was trained on still photos), so a window's estimate is the mean
 * of the calibrated per-frame distributions of the frames that show a face (late fusion by
 * probability averaging). Frames without a face are missing data: they lower `coverage`, they
 * never count as a neutral face. Dynamics statistics (blendshape velocities, head motion) are
 * not model inputs: still photos carry no motion to train them on.
 */
import { normalizedEntropy, valenceArousal } from "../emotion/affect.ts";
import { NUM_EMOTIONS } from "../emotion/labels.ts";
import type { AnalysisSpan, ModalityEstimate } from "../modality/estimate.ts";
import { FACE_FEATURE_DIM, faceFeatures } from "./face_features.ts";
import type { FaceFrame } from "./face_frame.ts";
import type { FaceModel } from "./face_model.ts";

/** Options for {@linkcode FaceStream}. */
export interface FaceStreamOptions {
  /** Frames older than this, relative to the newest, are dropped, in ms. Default 90000. */
  bufferMs?: number;
  /** Most frames accepted per second of media time (the wire limit). Default 30. */
  maxRateHz?: number;
  /** Most frames scored per analyzed span; longer spans are subsampled evenly. Default 32. */
  maxFramesPerSpan?: number;
  /** Longest time one frame stands for when measuring coverage, in ms. Default 250. */
  maxFrameSpanMs?: number;
}

/** Raised when a released stream is used. */
export class FaceStreamError extends Error {
  readonly recoverable = false;
  constructor(message: string) {
    super(message);
    this.name = "FaceStreamError";
  }
}

/** Counters a session can report. */
export interface FaceStreamStats {
  accepted: number;
  /** Frames older than the newest one already buffered. */
  droppedOutOfOrder: number;
  /** Frames beyond maxRateHz. */
  droppedRate: number;
  /** Frames with a face whose landmarks were missing or unusable. */
  unscorable: number;
}

interface Entry {
  timeMs: number;
  features: Float32Array | null;
  /** The browser pixel model's probabilities, pooled with the blendshape model when present. */
  pixelProbs?: number[];
  probs?: Promise<number[]>;
}

/** Per-participant face stage. */
export class FaceStream {
  readonly bufferMs: number;
  readonly maxRateHz: number;
  readonly maxFramesPerSpan: number;
  readonly maxFrameSpanMs: number;
  readonly stats: FaceStreamStats = { accepted: 0, droppedOutOfOrder: 0, droppedRate: 0, unscorable: 0 };
  #frames: Entry[] = [];
  #released = false;

  constructor(private readonly model: FaceModel, options: FaceStreamOptions = {}) {
    this.bufferMs = options.bufferMs ?? 90_000;
    this.maxRateHz = options.maxRateHz ?? 30;
    this.maxFramesPerSpan = options.maxFramesPerSpan ?? 32;
    this.maxFrameSpanMs = options.maxFrameSpanMs ?? 250;
    if (!(this.bufferMs >= 1000)) throw new RangeError("bufferMs must be ≥ 1000");
    if (!(this.maxRateHz >= 1)) throw new RangeError("maxRateHz must be ≥ 1");
    if (!(Number.isInteger(this.maxFramesPerSpan) && this.maxFramesPerSpan >= 1)) {
      throw new RangeError("maxFramesPerSpan must be an integer ≥ 1");
    }
    if (!(this.maxFrameSpanMs > 0)) throw new RangeError("maxFrameSpanMs must be > 0");
  }

  /** Number of buffered frames. */
  get size(): number {
    return this.#frames.length;
  }

  /** Adds a validated frame. Out-of-order and over-rate frames are dropped and counted. */
  push(frame: FaceFrame): void {
    if (this.#released) throw new FaceStreamError("face stream was released");
    const frames = this.#frames;
    const last = frames[frames.length - 1];
    if (last && frame.timeMs <= last.timeMs) {
      this.stats.droppedOutOfOrder++;
      return;
    }
    // at most maxRateHz frames in any trailing second
    const k = frames.length - this.maxRateHz;
    if (k >= 0 && frame.timeMs - frames[k].timeMs < 1000) {
      this.stats.droppedRate++;
      return;
    }
    let features: Float32Array | null = new Float32Array(FACE_FEATURE_DIM);
    const gap = faceFeatures(frame, features);
    if (gap) {
      if (gap !== "no-face") this.stats.unscorable++;
      features = null;
    }
    frames.push({ timeMs: frame.timeMs, features, pixelProbs: features ? frame.pixelProbs : undefined });
    this.stats.accepted++;
    let drop = 0;
    while (drop < frames.length && frames[drop].timeMs < frame.timeMs - this.bufferMs) drop++;
    if (drop) frames.splice(0, drop);
  }

  /**
   * The face estimate over [span.startMs, span.endMs), or null when no frame in it shows a
   * scorable face. coverage = fraction of the span covered by scorable frames, each frame
   * standing for the time until the next frame (at most maxFrameSpanMs).
   */
  async analyze(span: AnalysisSpan): Promise<ModalityEstimate | null> {
    if (this.#released) throw new FaceStreamError("face stream was released");
    const duration = span.endMs - span.startMs;
    if (!(duration > 0)) return null;
    const frames = this.#frames;
    const inSpan: number[] = [];
    let covered = 0;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      if (f.timeMs < span.startMs) continue;
      if (f.timeMs >= span.endMs) break;
      if (!f.features) continue;
      inSpan.push(i);
      const next = i + 1 < frames.length ? frames[i + 1].timeMs : f.timeMs + this.maxFrameSpanMs;
      covered += Math.min(next, f.timeMs + this.maxFrameSpanMs, span.endMs) - f.timeMs;
    }
    if (inSpan.length === 0) return null;
    const chosen = evenlySpaced(inSpan, this.maxFramesPerSpan);
    const perFrame = await Promise.all(chosen.map((i) => this.#probs(frames[i])));
    const probs = new Array<number>(NUM_EMOTIONS).fill(0);
    for (const p of perFrame) for (let c = 0; c < NUM_EMOTIONS; c++) probs[c] += p[c] / perFrame.length;
    const { valence, arousal } = valenceArousal(probs);
    return {
      modality: "face",
      probs,
      confidence: Math.max(...probs),
      uncertainty: normalizedEntropy(probs),
      valence,
      arousal,
      coverage: Math.min(1, covered / duration),
      model: this.model.name,
    };
  }

  /** Drops every buffered frame; the stream cannot be used afterwards. */
  release(): void {
    this.#released = true;
    this.#frames = [];
  }

  /** Calibrated probabilities of one frame, computed once and shared by overlapping spans. */
  #probs(entry: Entry): Promise<number[]> {
    if (entry.probs) return entry.probs;
    const p = this.model.logits(entry.features!).then((l) => this.model.frameProbs(l, entry.pixelProbs));
    entry.probs = p;
    // a failed batch (e.g. an overloaded queue) may be retried by a later span
    p.catch(() => {
      if (entry.probs === p) entry.probs = undefined;
    });
    return p;
  }
}

/** At most n items of xs, evenly spaced, first included. */
function evenlySpaced(xs: number[], n: number): number[] {
  if (xs.length <= n) return xs;
  return Array.from({ length: n }, (_, k) => xs[Math.floor((k * xs.length) / n)]);
}
