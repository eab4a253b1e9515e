/**
 * The `face` wire message: what the participant's browser sends about one camera frame.
 * Raw video never leaves the browser; these measurements do (docs/face.md documents them).
 */

/** Number of MediaPipe FaceLandmarker blendshape scores. */
export const NUM_BLENDSHAPES = 52;
/** Most landmark points a frame may carry (the full MediaPipe mesh with irises). */
export const MAX_LANDMARK_POINTS = 478;

/**
 * MediaPipe FaceLandmarker blendshape categories, in the model's output order (the order of
 * `blendshapes` on the wire).
 */
export const BLENDSHAPE_NAMES = [
  "_neutral",
  "browDownLeft",
  "browDownRight",
  "browInnerUp",
  "browOuterUpLeft",
  "browOuterUpRight",
  "cheekPuff",
  "cheekSquintLeft",
  "cheekSquintRight",
  "eyeBlinkLeft",
  "eyeBlinkRight",
  "eyeLookDownLeft",
  "eyeLookDownRight",
  "eyeLookInLeft",
  "eyeLookInRight",
  "eyeLookOutLeft",
  "eyeLookOutRight",
  "eyeLookUpLeft",
  "eyeLookUpRight",
  "eyeSquintLeft",
  "eyeSquintRight",
  "eyeWideLeft",
  "eyeWideRight",
  "jawForward",
  "jawLeft",
  "jawOpen",
  "jawRight",
  "mouthClose",
  "mouthDimpleLeft",
  "mouthDimpleRight",
  "mouthFrownLeft",
  "mouthFrownRight",
  "mouthFunnel",
  "mouthLeft",
  "mouthLowerDownLeft",
  "mouthLowerDownRight",
  "mouthPressLeft",
  "mouthPressRight",
  "mouthPucker",
  "mouthRight",
  "mouthRollLower",
  "mouthRollUpper",
  "mouthShrugLower",
  "mouthShrugUpper",
  "mouthSmileLeft",
  "mouthSmileRight",
  "mouthStretchLeft",
  "mouthStretchRight",
  "mouthUpperUpLeft",
  "mouthUpperUpRight",
  "noseSneerLeft",
  "noseSneerRight",
] as const;

/** Head rotation in degrees (R = Ry(yaw)·Rx(pitch)·Rz(roll) of the facial transformation matrix). */
export interface HeadPose {
  yaw: number;
  pitch: number;
  roll: number;
}

/** One camera frame's face measurements. */
export interface FaceFrame {
  type: "face";
  /** Participant media clock, ms, ≥ 0. */
  timeMs: number;
  /** Whether a face was detected; a frame without one is missing data, not a neutral face. */
  present: boolean;
  /** 52 scores in [0, 1] in BLENDSHAPE_NAMES order; present iff `present`. */
  blendshapes?: number[];
  /** Head pose; optional. */
  headPose?: HeadPose;
  /** Flat [x0, y0, x1, y1, …] in [0, 1] (x by image width, y by height); at most 478 points. */
  landmarks?: number[];
  /** Image width / height (> 0); lets landmark geometry be measured undistorted. Optional. */
  aspect?: number;
  /**
   * The browser pixel model's raw probabilities (7, EMOTIONS order, each in [0, 1], summing to 1 ± 0.01) for the
   * aligned face crop (static/face/pixel_model.js); optional, only with `present`. Pixels themselves never travel.
   */
  pixelProbs?: number[];
}

/** Raised for a malformed `face` message; the participant's session reports it and carries on. */
export class FaceFrameError extends Error {
  readonly recoverable = true;
  constructor(message: string) {
    super(message);
    this.name = "FaceFrameError";
  }
}

const HEAD_POSE_LIMIT_DEG = 180;
const KNOWN_KEYS = new Set([
  "type",
  "timeMs",
  "present",
  "blendshapes",
  "headPose",
  "landmarks",
  "aspect",
  "pixelProbs",
]);
/** Length of `pixelProbs` (the emotion classes). */
export const NUM_PIXEL_PROBS = 7;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function unitArray(v: unknown, what: string): number[] {
  if (!Array.isArray(v)) throw new FaceFrameError(`face: ${what} must be an array`);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== "number" || !(x >= 0 && x <= 1)) {
      throw new FaceFrameError(`face: ${what}[${i}] must be a number in [0, 1], got ${JSON.stringify(x)}`);
    }
  }
  return v as number[];
}

/**
 * Validates an untrusted decoded JSON value as a {@linkcode FaceFrame}. Unknown keys, wrong
 * types, out-of-range values and a `blendshapes` field that disagrees with `present` throw a
 * {@linkcode FaceFrameError}. Returns a fresh object holding only the known fields.
 */
export function parseFaceFrame(value: unknown): FaceFrame {
  if (!isRecord(value)) throw new FaceFrameError("face: message must be a JSON object");
  if (value.type !== "face") throw new FaceFrameError(`face: type must be "face", got ${JSON.stringify(value.type)}`);
  for (const k of Object.keys(value)) if (!KNOWN_KEYS.has(k)) throw new FaceFrameError(`face: unknown field "${k}"`);
  const { timeMs, present } = value;
  if (typeof timeMs !== "number" || !Number.isFinite(timeMs) || timeMs < 0) {
    throw new FaceFrameError(`face: timeMs must be a finite number ≥ 0, got ${JSON.stringify(timeMs)}`);
  }
  if (typeof present !== "boolean") throw new FaceFrameError("face: present must be a boolean");
  const frame: FaceFrame = { type: "face", timeMs, present };
  if (present) {
    if (value.blendshapes === undefined) throw new FaceFrameError("face: blendshapes are required when present");
    const b = unitArray(value.blendshapes, "blendshapes");
    if (b.length !== NUM_BLENDSHAPES) {
      throw new FaceFrameError(`face: blendshapes must hold ${NUM_BLENDSHAPES} scores, got ${b.length}`);
    }
    frame.blendshapes = b.slice();
  } else if (value.blendshapes !== undefined) {
    throw new FaceFrameError("face: blendshapes must be absent when present is false");
  }
  if (value.headPose !== undefined) {
    const h = value.headPose;
    if (!isRecord(h)) throw new FaceFrameError("face: headPose must be an object {yaw, pitch, roll}");
    const pose: Partial<HeadPose> = {};
    for (const k of ["yaw", "pitch", "roll"] as const) {
      const x = h[k];
      if (typeof x !== "number" || !(Math.abs(x) <= HEAD_POSE_LIMIT_DEG)) {
        throw new FaceFrameError(`face: headPose.${k} must be degrees in [-180, 180], got ${JSON.stringify(x)}`);
      }
      pose[k] = x;
    }
    frame.headPose = pose as HeadPose;
  }
  if (value.landmarks !== undefined) {
    const l = unitArray(value.landmarks, "landmarks");
    if (l.length % 2 !== 0 || l.length > 2 * MAX_LANDMARK_POINTS) {
      throw new FaceFrameError(
        `face: landmarks must be an even-length flat [x, y, …] of at most ${MAX_LANDMARK_POINTS} points`,
      );
    }
    frame.landmarks = l.slice();
  }
  if (value.aspect !== undefined) {
    const a = value.aspect;
    if (typeof a !== "number" || !(a > 0 && a < 100)) {
      throw new FaceFrameError("face: aspect must be a number in (0, 100)");
    }
    frame.aspect = a;
  }
  if (value.pixelProbs !== undefined) {
    if (!present) throw new FaceFrameError("face: pixelProbs must be absent when present is false");
    const p = unitArray(value.pixelProbs, "pixelProbs");
    const sum = p.reduce((a, b) => a + b, 0);
    if (p.length !== NUM_PIXEL_PROBS || !(Math.abs(sum - 1) <= 0.01)) {
      throw new FaceFrameError(`face: pixelProbs must hold ${NUM_PIXEL_PROBS} probabilities summing to 1`);
    }
    frame.pixelProbs = p.slice();
  }
  return frame;
}
