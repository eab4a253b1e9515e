/**
 * Stable face ids across a participant's video frames: each frame's boxes are matched to the
 * faces seen before, first by intersection over union (greedy, highest IoU first, as in the
 * SORT tracker's association step without its motion model — Bewley et al. 2016), then the
 * leftovers by centroid distance relative to the face's size (faces move more than their
 * overlap survives at 2 fps). A face unseen for `maxGapMs` of media time is forgotten.
 */

/** A normalised box [x, y, w, h] in [0, 1] of the image. */
export type Box = [number, number, number, number];

/** Options for {@linkcode FaceIdTracker}. */
export interface FaceIdTrackerOptions {
  /** Least IoU that continues a face. Default 0.3. */
  minIou?: number;
  /** Largest centroid move, in units of the face's box diagonal, that continues a face. Default 0.75. */
  maxCentroidMove?: number;
  /** A face unseen for this long (media time) gets a new id when it reappears, in ms. Default 3000. */
  maxGapMs?: number;
  /** Prefix of the ids. Default "f". */
  prefix?: string;
}

interface Track {
  id: string;
  box: Box;
  lastMs: number;
}

/** IoU of two boxes. */
export function iou(a: Box, b: Box): number {
  const x0 = Math.max(a[0], b[0]), y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]), y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

/** Assigns stable ids to the faces of successive frames of one participant. */
export class FaceIdTracker {
  readonly minIou: number;
  readonly maxCentroidMove: number;
  readonly maxGapMs: number;
  readonly prefix: string;
  #tracks: Track[] = [];
  #next = 1;

  constructor(options: FaceIdTrackerOptions = {}) {
    this.minIou = options.minIou ?? 0.3;
    this.maxCentroidMove = options.maxCentroidMove ?? 0.75;
    this.maxGapMs = options.maxGapMs ?? 3000;
    this.prefix = options.prefix ?? "f";
    if (!(this.minIou > 0 && this.minIou <= 1)) throw new RangeError("minIou must be in (0, 1]");
    if (!(this.maxCentroidMove >= 0)) throw new RangeError("maxCentroidMove must be ≥ 0");
    if (!(this.maxGapMs > 0)) throw new RangeError("maxGapMs must be > 0");
  }

  /** Faces currently remembered. */
  get size(): number {
    return this.#tracks.length;
  }

  /** Ids for `boxes` (same order), at media time `timeMs`. */
  assign(boxes: Box[], timeMs: number): string[] {
    this.#tracks = this.#tracks.filter((t) => timeMs - t.lastMs <= this.maxGapMs);
    const tracks = this.#tracks;
    const ids: (string | undefined)[] = new Array(boxes.length);
    const used = new Set<number>();
    const pairs: { d: number; t: number; score: number }[] = [];
    for (let d = 0; d < boxes.length; d++) {
      for (let t = 0; t < tracks.length; t++) {
        const s = iou(boxes[d], tracks[t].box);
        if (s >= this.minIou) pairs.push({ d, t, score: s });
      }
    }
    pairs.sort((a, b) => b.score - a.score);
    for (const p of pairs) {
      if (ids[p.d] !== undefined || used.has(p.t)) continue;
      ids[p.d] = tracks[p.t].id;
      used.add(p.t);
    }
    const moves: { d: number; t: number; score: number }[] = [];
    for (let d = 0; d < boxes.length; d++) {
      if (ids[d] !== undefined) continue;
      for (let t = 0; t < tracks.length; t++) {
        if (used.has(t)) continue;
        const move = centroidMove(boxes[d], tracks[t].box);
        if (move <= this.maxCentroidMove) moves.push({ d, t, score: move });
      }
    }
    moves.sort((a, b) => a.score - b.score);
    for (const m of moves) {
      if (ids[m.d] !== undefined || used.has(m.t)) continue;
      ids[m.d] = tracks[m.t].id;
      used.add(m.t);
    }
    for (let d = 0; d < boxes.length; d++) {
      const id = ids[d];
      const known = id !== undefined ? tracks.find((t) => t.id === id) : undefined;
      if (known) {
        known.box = boxes[d];
        known.lastMs = timeMs;
      } else {
        const fresh = { id: `${this.prefix}${this.#next++}`, box: boxes[d], lastMs: timeMs };
        tracks.push(fresh);
        ids[d] = fresh.id;
      }
    }
    return ids as string[];
  }

  /** Forgets every face. */
  reset(): void {
    this.#tracks = [];
  }
}

/** Centroid distance of two boxes over the diagonal of the earlier one. */
function centroidMove(now: Box, before: Box): number {
  const dx = now[0] + now[2] / 2 - (before[0] + before[2] / 2);
  const dy = now[1] + now[3] / 2 - (before[1] + before[3] / 2);
  const diag = Math.hypot(before[2], before[3]);
  return diag > 0 ? Math.hypot(dx, dy) / diag : Infinity;
}
