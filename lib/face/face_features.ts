/**
 * Per-frame features of the face model, computed from one wire {@linkcode FaceFrame}. The
 * same function builds the training matrix (from cached FER2013 measurements) and the live
 * model input, so training and serving cannot drift apart.
 *
 * Layout (FACE_FEATURE_DIM floats):
 * - the 52 blendshape scores, as MediaPipe reports them;
 * - head pose (yaw, pitch, roll) in degrees / 90;
 * - geometry: the 140 LANDMARK_SUBSET points, aspect-corrected and expressed in an eye-aligned
 *   frame (origin between the outer eye corners, x along the eye line, unit = the outer
 *   inter-ocular distance), which removes translation, scale and in-plane rotation
 *   (a 2-point similarity alignment, as in Procrustes analysis of face shapes, Cootes et al. 1995).
 */
import { LANDMARK_SUBSET, LEFT_EYE_OUTER, MESH_POINTS, RIGHT_EYE_OUTER } from "../../static/face/landmark_subset.js";
import { type FaceFrame, NUM_BLENDSHAPES } from "./face_frame.ts";

/** Number of geometry points. */
export const GEOMETRY_POINTS = LANDMARK_SUBSET.length;
/** Offsets of the feature groups. */
export const FEATURE_OFFSETS = {
  blendshapes: 0,
  headPose: NUM_BLENDSHAPES,
  geometry: NUM_BLENDSHAPES + 3,
} as const;
/** Length of a feature vector. */
export const FACE_FEATURE_DIM = NUM_BLENDSHAPES + 3 + 2 * GEOMETRY_POINTS;

/** Why a frame yields no features. */
export type FeatureGap = "no-face" | "no-landmarks" | "degenerate-landmarks";

const POSE_SCALE_DEG = 90;
const SUBSET_RIGHT = LANDMARK_SUBSET.indexOf(RIGHT_EYE_OUTER);
const SUBSET_LEFT = LANDMARK_SUBSET.indexOf(LEFT_EYE_OUTER);
const MIN_EYE_DISTANCE = 1e-4;

/**
 * Features of one frame written into `out` (length FACE_FEATURE_DIM), or the reason there are
 * none. Landmarks may be the full mesh (478 points) or exactly the LANDMARK_SUBSET points.
 * A missing head pose counts as frontal (0, 0, 0).
 */
export function faceFeatures(frame: FaceFrame, out: Float32Array): FeatureGap | null {
  if (out.length !== FACE_FEATURE_DIM) throw new RangeError(`out must hold ${FACE_FEATURE_DIM} floats`);
  if (!frame.present || !frame.blendshapes) return "no-face";
  const lm = frame.landmarks;
  if (!lm) return "no-landmarks";
  const full = lm.length === 2 * MESH_POINTS;
  if (!full && lm.length !== 2 * GEOMETRY_POINTS) return "no-landmarks";
  const aspect = frame.aspect ?? 1;
  const px = (k: number) => lm[2 * (full ? LANDMARK_SUBSET[k] : k)] * aspect;
  const py = (k: number) => lm[2 * (full ? LANDMARK_SUBSET[k] : k) + 1];
  const ox = (px(SUBSET_RIGHT) + px(SUBSET_LEFT)) / 2, oy = (py(SUBSET_RIGHT) + py(SUBSET_LEFT)) / 2;
  const dx = px(SUBSET_LEFT) - px(SUBSET_RIGHT), dy = py(SUBSET_LEFT) - py(SUBSET_RIGHT);
  const d = Math.hypot(dx, dy);
  if (!(d > MIN_EYE_DISTANCE)) return "degenerate-landmarks";
  // rotate by −θ where (cos θ, sin θ) = (dx, dy) / d, and scale by 1 / d
  const c = dx / (d * d), s = dy / (d * d);
  out.set(frame.blendshapes, FEATURE_OFFSETS.blendshapes);
  const pose = frame.headPose;
  out[FEATURE_OFFSETS.headPose] = pose ? pose.yaw / POSE_SCALE_DEG : 0;
  out[FEATURE_OFFSETS.headPose + 1] = pose ? pose.pitch / POSE_SCALE_DEG : 0;
  out[FEATURE_OFFSETS.headPose + 2] = pose ? pose.roll / POSE_SCALE_DEG : 0;
  for (let k = 0, o = FEATURE_OFFSETS.geometry; k < GEOMETRY_POINTS; k++, o += 2) {
    const x = px(k) - ox, y = py(k) - oy;
    out[o] = c * x + s * y;
    out[o + 1] = -s * x + c * y;
  }
  return null;
}
