/**
 * Stable identities for the faces of one video: boxes in, ids out. Pure (no media, no model), so
 * the offline extractor and the live video path can share it. Each frame's detections are ranked
 * largest first and cut to `maxFaces`; each is matched greedily, best IoU first, to the live
 * track it overlaps most (IoU ≥ `minIou`, else the nearest centre within `maxCentreShift` box
 * widths); an unmatched detection opens a new track with the next id; a track unseen for
 * `maxMissedMs` is dropped (its id is never reused).
 */

import type { FaceFrame } from "../face/face_frame.ts";
import { type Box, iou } from "../face/server_faces_tracker.ts";

/** A box normalised to the frame: [x, y, width, height], all in [0, 1] (shared with the video socket's tracker). */
export type { Box };

/** One tracked face in one frame. */
export interface TrackedFaceFrame {
  faceId: number;
  /** [x, y, w, h] normalised to the frame. */
  box: Box;
  /** The face's measurements (present: true), timeMs of the frame. */
  frame: FaceFrame;
}

/** One decoded frame's faces. */
export interface MultiFaceFrame {
  timeMs: number;
  faces: TrackedFaceFrame[];
}

export { iou };

/** Options for {@linkcode FaceTracker}. */
export interface FaceTrackerOptions {
  /** Most faces tracked per frame (largest first); default 4, range [1, 16]. */
  maxFaces?: number;
  /** Least IoU for a detection to continue a track; default 0.3. */
  minIou?: number;
  /** Centre shift, in box widths, still accepted when boxes do not overlap enough; default 0.5. */
  maxCentreShift?: number;
  /** A track unseen this long (ms) ends; default 1500. */
  maxMissedMs?: number;
}

interface Track {
  id: number;
  box: Box;
  lastMs: number;
}

function centreShift(a: Box, b: Box): number {
  const dx = a[0] + a[2] / 2 - (b[0] + b[2] / 2), dy = a[1] + a[3] / 2 - (b[1] + b[3] / 2);
  return Math.hypot(dx, dy) / Math.max(1e-6, Math.max(a[2], b[2]));
}

/** Assigns stable face ids across frames. */
export class FaceTracker {
  readonly maxFaces: number;
  readonly #minIou: number;
  readonly #maxShift: number;
  readonly #maxMissedMs: number;
  #tracks: Track[] = [];
  #nextId = 1;

  constructor(options: FaceTrackerOptions = {}) {
    this.maxFaces = options.maxFaces ?? 4;
    this.#minIou = options.minIou ?? 0.3;
    this.#maxShift = options.maxCentreShift ?? 0.5;
    this.#maxMissedMs = options.maxMissedMs ?? 1500;
    if (!(Number.isInteger(this.maxFaces) && this.maxFaces >= 1 && this.maxFaces <= 16)) {
      throw new RangeError("maxFaces must be an integer in [1, 16]");
    }
    if (!(this.#minIou > 0 && this.#minIou <= 1)) throw new RangeError("minIou must be in (0, 1]");
    if (!(this.#maxShift >= 0)) throw new RangeError("maxCentreShift must be ≥ 0");
    if (!(this.#maxMissedMs >= 0)) throw new RangeError("maxMissedMs must be ≥ 0");
  }

  /**
   * One frame's detections → one face id per detection, in input order; 0 for a detection beyond
   * the `maxFaces` largest. Frames must come in time order.
   */
  update(timeMs: number, boxes: readonly Box[]): number[] {
    this.#tracks = this.#tracks.filter((t) => timeMs - t.lastMs <= this.#maxMissedMs);
    const ids = new Array<number>(boxes.length).fill(0);
    const kept = boxes.map((_, i) => i).sort((i, j) => boxes[j][2] * boxes[j][3] - boxes[i][2] * boxes[i][3])
      .slice(0, this.maxFaces);
    const pairs: { d: number; t: Track; score: number }[] = [];
    for (const d of kept) {
      for (const t of this.#tracks) {
        const o = iou(boxes[d], t.box);
        if (o >= this.#minIou) pairs.push({ d, t, score: 1 + o });
        else {
          const s = centreShift(boxes[d], t.box);
          if (s <= this.#maxShift) pairs.push({ d, t, score: 1 - s / (this.#maxShift + 1e-9) });
        }
      }
    }
    pairs.sort((a, b) => b.score - a.score);
    const usedTracks = new Set<Track>();
    for (const p of pairs) {
      if (ids[p.d] || usedTracks.has(p.t)) continue;
      ids[p.d] = p.t.id;
      usedTracks.add(p.t);
      p.t.box = boxes[p.d];
      p.t.lastMs = timeMs;
    }
    for (const d of kept) {
      if (ids[d]) continue;
      const t: Track = { id: this.#nextId++, box: boxes[d], lastMs: timeMs };
      this.#tracks.push(t);
      ids[d] = t.id;
    }
    return ids;
  }

  /** Tracks alive after the last update: id and last box. */
  live(): { faceId: number; box: Box }[] {
    return this.#tracks.map((t) => ({ faceId: t.id, box: t.box }));
  }
}

/** The bounding box of flat [x0, y0, x1, y1, …] landmarks in [0, 1]. */
export function boxOfLandmarks(flat: ArrayLike<number>): Box {
  let x0 = 1, y0 = 1, x1 = 0, y1 = 0;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    x0 = Math.min(x0, flat[i]), x1 = Math.max(x1, flat[i]);
    y0 = Math.min(y0, flat[i + 1]), y1 = Math.max(y1, flat[i + 1]);
  }
  return x1 > x0 && y1 > y0 ? [x0, y0, x1 - x0, y1 - y0] : [0, 0, 0, 0];
}
