/**
 * One participant's server-measured faces: stable ids across frames, the primary face (the one
 * whose measurements feed the participant's face stream), and each face's per-frame emotion
 * distribution, so emotion events can report every face in their span.
 *
 * The primary face keeps its id while it stays in view (a bystander leaning in does not take
 * over the participant's face stream); when it is gone, the largest face becomes primary.
 */
import { softmax } from "../emotion/affect.ts";
import { EMOTIONS, NUM_EMOTIONS } from "../emotion/labels.ts";
import type { FaceEntry } from "../protocol/events.ts";
import { FACE_FEATURE_DIM, faceFeatures } from "./face_features.ts";
import type { FaceFrame } from "./face_frame.ts";
import type { FaceModel } from "./face_model.ts";
import type { FaceMeasurement } from "./server_faces.ts";
import { type Box, FaceIdTracker, type FaceIdTrackerOptions } from "./server_faces_tracker.ts";

/** Options for {@linkcode ParticipantFaces}. */
export interface ParticipantFacesOptions {
  /** Per-face history kept for event spans, in ms of media time. Default 90000 (the face stream's). */
  bufferMs?: number;
  tracker?: FaceIdTrackerOptions;
}

/** A face of one frame with its id. */
export interface TrackedFace {
  faceId: string;
  box: Box;
  frame: FaceFrame;
  primary: boolean;
  /** Calibrated per-frame distribution (EMOTIONS order) when a face model is loaded and the frame is scorable. */
  probs?: number[];
}

interface HistoryEntry {
  timeMs: number;
  faces: { faceId: string; box: Box; primary: boolean; probs?: number[] }[];
}

/** Per-participant face ids, primary face and per-face history. */
export class ParticipantFaces {
  readonly bufferMs: number;
  #tracker: FaceIdTracker;
  #primary?: string;
  #history: HistoryEntry[] = [];

  constructor(private readonly model?: FaceModel, options: ParticipantFacesOptions = {}) {
    this.bufferMs = options.bufferMs ?? 90_000;
    if (!(this.bufferMs >= 1000)) throw new RangeError("bufferMs must be ≥ 1000");
    this.#tracker = new FaceIdTracker(options.tracker);
  }

  /** Id of the current primary face, if any. */
  get primaryId(): string | undefined {
    return this.#primary;
  }

  /**
   * Gives the measured faces (largest first) their ids, picks the primary one, scores each face
   * with the face model and records them. Frames must come in media-time order.
   */
  async add(m: FaceMeasurement, timeMs: number): Promise<TrackedFace[]> {
    const ids = this.#tracker.assign(m.faces.map((f) => f.box), timeMs);
    if (!this.#primary || !ids.includes(this.#primary)) this.#primary = ids[0];
    const faces: TrackedFace[] = m.faces.map((f, i) => ({
      faceId: ids[i],
      box: f.box,
      frame: f.frame,
      primary: ids[i] === this.#primary,
    }));
    if (this.model) {
      const model = this.model;
      await Promise.all(faces.map(async (f) => {
        const x = new Float32Array(FACE_FEATURE_DIM);
        if (faceFeatures(f.frame, x) !== null) return;
        f.probs = softmax(await model.logits(x), model.temperature);
      }));
    }
    this.#history.push({
      timeMs,
      faces: faces.map((f) => ({ faceId: f.faceId, box: f.box, primary: f.primary, probs: f.probs })),
    });
    let drop = 0;
    while (drop < this.#history.length && this.#history[drop].timeMs < timeMs - this.bufferMs) drop++;
    if (drop) this.#history.splice(0, drop);
    return faces;
  }

  /**
   * Every face seen in [startMs, endMs): its last box there, how many frames showed it, whether
   * it was primary in the last of them, and (with a face model) the mean of its per-frame
   * distributions, its label and confidence. Largest last box first. Null when no frame was
   * measured in the span (the participant sends no video then).
   */
  summary(startMs: number, endMs: number): FaceEntry[] | null {
    const byId = new Map<string, { box: Box; frames: number; primary: boolean; sum: number[]; scored: number }>();
    let frames = 0;
    for (const h of this.#history) {
      if (h.timeMs < startMs) continue;
      if (h.timeMs >= endMs) break;
      frames++;
      for (const f of h.faces) {
        let e = byId.get(f.faceId);
        if (!e) {
          byId.set(
            f.faceId,
            e = { box: f.box, frames: 0, primary: false, sum: new Array(NUM_EMOTIONS).fill(0), scored: 0 },
          );
        }
        e.box = f.box;
        e.frames++;
        e.primary = f.primary;
        if (f.probs) {
          for (let c = 0; c < NUM_EMOTIONS; c++) e.sum[c] += f.probs[c];
          e.scored++;
        }
      }
    }
    if (frames === 0) return null;
    const out: FaceEntry[] = [];
    for (const [faceId, e] of byId) {
      const entry: FaceEntry = { faceId, box: e.box, primary: e.primary, frames: e.frames };
      if (e.scored) {
        const probs = e.sum.map((s) => round4(s / e.scored));
        let best = 0;
        for (let c = 1; c < NUM_EMOTIONS; c++) if (probs[c] > probs[best]) best = c;
        entry.label = EMOTIONS[best];
        entry.confidence = probs[best];
        entry.probs = probs;
      }
      out.push(entry);
    }
    return out.sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3]);
  }
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
