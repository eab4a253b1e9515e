/**
 * Layout of the face-measurement cache that `deno task extract-faces` writes and
 * `deno task train:face` reads: one float32 record per image, stored in chunk files under
 * `<cacheDir>/<split>/`, so extraction can resume after an interruption.
 */
import type { FaceFrame } from "../face/face_frame.ts";
import { MAX_LANDMARK_POINTS, NUM_BLENDSHAPES } from "../face/face_frame.ts";

/** Record field offsets (in floats). */
export const RECORD = {
  /** 0 = no face found; k ≥ 1 = found at detection attempt k (see EXTRACTION_ATTEMPTS). */
  attempt: 0,
  yaw: 1,
  pitch: 2,
  roll: 3,
  aspect: 4,
  blendshapes: 5,
  landmarks: 5 + NUM_BLENDSHAPES,
  length: 5 + NUM_BLENDSHAPES + 2 * MAX_LANDMARK_POINTS,
} as const;

/**
 * How a 48×48 FER image is presented to the detector, tried in order until a face is found.
 * Measured on the first 400 val images (scripted probe, see docs/face.md): scale 4 with no
 * border finds 80 %, a border of half the face size 92 %: BlazeFace misses faces that fill
 * the frame. The first four are the ones the training cache was extracted with
 * (TRAINING_PRESENTATIONS); the last four were chosen greedily on the 928 FER2013 train images
 * the first four miss (each finds faces the others miss: 63, 40, 38 and 21 of them, at the
 * detector's usual confidence 0.5) and are only tried when the first four find nothing.
 */
export const EXTRACTION_ATTEMPTS: readonly { scale: number; pad: number }[] = [
  { scale: 4, pad: 0.5 },
  { scale: 4, pad: 0.25 },
  { scale: 4, pad: 0 },
  { scale: 3, pad: 1 },
  { scale: 2, pad: 1 },
  { scale: 4, pad: 1.5 },
  { scale: 2.5, pad: 0.5 },
  { scale: 6, pad: 0.5 },
];

/**
 * How many of EXTRACTION_ATTEMPTS the FER2013 train cache the shipped face models were trained on was extracted
 * with (`deno task extract-faces --presentations 4`): the models' seeded calibration hold-out is drawn over the
 * train images with a face found, so re-extracting train with more presentations would move it.
 */
export const TRAINING_PRESENTATIONS = 4;

/** Shorter side, in pixels, that presentations scale an image up to (a 48-px FER image: 4×). */
export const MIN_PRESENTED_SIDE = 192;

/**
 * How analysis presents an image or video frame to the detector, so that it is prepared as the training images
 * were: an image whose shorter side is under MIN_PRESENTED_SIDE gets EXTRACTION_ATTEMPTS with the scales
 * stretched to reach that side (a 48×48 image gets exactly the training presentations); a larger one is tried as
 * it is, then with a border of half its size (a face filling the frame).
 */
export function presentationsFor(width: number, height: number): { scale: number; pad: number }[] {
  const side = Math.min(width, height);
  if (!(side > 0)) throw new RangeError(`bad image size ${width}×${height}`);
  if (side >= MIN_PRESENTED_SIDE) return [{ scale: 1, pad: 0 }, { scale: 1, pad: 0.5 }];
  const k = MIN_PRESENTED_SIDE / (EXTRACTION_ATTEMPTS[0].scale * side);
  return EXTRACTION_ATTEMPTS.map((a) => ({ scale: a.scale * k, pad: a.pad }));
}

/** Writes a frame into a record (a frame without a face leaves zeros). */
export function encodeRecord(frame: FaceFrame, attempt: number, out: Float32Array, offset = 0): void {
  out.fill(0, offset, offset + RECORD.length);
  if (!frame.present) return;
  out[offset + RECORD.attempt] = attempt;
  if (frame.headPose) {
    out[offset + RECORD.yaw] = frame.headPose.yaw;
    out[offset + RECORD.pitch] = frame.headPose.pitch;
    out[offset + RECORD.roll] = frame.headPose.roll;
  }
  out[offset + RECORD.aspect] = frame.aspect ?? 1;
  out.set(frame.blendshapes!, offset + RECORD.blendshapes);
  if (frame.landmarks) out.set(frame.landmarks, offset + RECORD.landmarks);
}

/** Reads a record back into a wire frame with the full 478-point landmark set. */
export function decodeRecord(records: Float32Array, index: number): FaceFrame {
  const o = index * RECORD.length;
  if (records[o + RECORD.attempt] === 0) return { type: "face", timeMs: 0, present: false };
  return {
    type: "face",
    timeMs: 0,
    present: true,
    blendshapes: Array.from(records.subarray(o + RECORD.blendshapes, o + RECORD.landmarks)),
    headPose: { yaw: records[o + RECORD.yaw], pitch: records[o + RECORD.pitch], roll: records[o + RECORD.roll] },
    landmarks: Array.from(records.subarray(o + RECORD.landmarks, o + RECORD.length)),
    aspect: records[o + RECORD.aspect],
  };
}

/** Default cache directory: $AFFECTSTREAM_CACHE or ~/.cache/affectstream, then /face. */
export function defaultFaceCacheDir(): string {
  const base = Deno.env.get("AFFECTSTREAM_CACHE") ?? `${Deno.env.get("HOME") ?? "."}/.cache/affectstream`;
  return `${base}/face`;
}

/** Reads every chunk of a split, in image order, into one array of records. */
export async function readSplitRecords(cacheDir: string, split: string, count: number): Promise<Float32Array> {
  const out = new Float32Array(count * RECORD.length);
  const filled = new Uint8Array(count);
  for await (const e of Deno.readDir(`${cacheDir}/${split}`)) {
    const m = /^(\d+)\.f32$/.exec(e.name);
    if (!m) continue;
    const start = Number(m[1]);
    const bytes = await Deno.readFile(`${cacheDir}/${split}/${e.name}`);
    const recs = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    out.set(recs, start * RECORD.length);
    filled.fill(1, start, start + recs.length / RECORD.length);
  }
  const missing = filled.indexOf(0);
  if (missing >= 0) throw new Error(`face cache ${cacheDir}/${split} lacks image ${missing}: run extract-faces first`);
  return out;
}
