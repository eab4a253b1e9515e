/**
 * The aligned gray face crop the pixel expression model reads (static/face/pixel_model.js):
 * the face that MediaPipe already located is rotated so that the eyes are level, scaled so
 * that the eye centres are CROP_EYE_DISTANCE·size apart, and placed with their midpoint at
 * (0.5, CROP_EYE_Y)·size — a two-point similarity alignment, as for the geometry features
 * (lib/face/face_features.ts). The same function cuts the training crops (headless
 * extraction of FER2013, static/face/pixel_batch.js) and the live ones, so the model sees
 * the same preparation in training and serving. Pixels stay in the page: only the model's
 * probabilities leave it.
 */

import { LANDMARK_SUBSET, MESH_POINTS } from "./landmark_subset.js";

/** Side of the crop in pixels (the model's input is size × size). */
export const CROP_SIZE = 48;
/** Distance of the two eye centres as a fraction of the crop side (FER2013 faces: about 0.4; a little less keeps the chin). */
export const CROP_EYE_DISTANCE = 0.36;
/** Height of the eye line as a fraction of the crop side, from the top. */
export const CROP_EYE_Y = 0.36;

// Mesh indices of the eye contours (FaceLandmarker.FACE_LANDMARKS_LEFT_EYE / _RIGHT_EYE).
const LEFT_EYE = [249, 263, 362, 373, 374, 380, 381, 382, 384, 385, 386, 387, 388, 390, 398, 466];
const RIGHT_EYE = [7, 33, 133, 144, 145, 153, 154, 155, 157, 158, 159, 160, 161, 163, 173, 246];
const LEFT_IN_SUBSET = LEFT_EYE.map((i) => LANDMARK_SUBSET.indexOf(i));
const RIGHT_IN_SUBSET = RIGHT_EYE.map((i) => LANDMARK_SUBSET.indexOf(i));
const MIN_EYE_DISTANCE_PX = 4;

/**
 * Centre of one eye in pixels from wire landmarks (full mesh or LANDMARK_SUBSET order).
 * @param {ArrayLike<number>} lm flat [x0,y0,…] normalised to [0,1]
 * @param {number[]} mesh mesh indices of the eye contour
 * @param {number[]} subset their positions in LANDMARK_SUBSET
 * @param {number} w image width
 * @param {number} h image height
 */
function eyeCentre(lm, mesh, subset, w, h) {
  const full = lm.length === 2 * MESH_POINTS;
  let x = 0, y = 0;
  for (let k = 0; k < mesh.length; k++) {
    const p = full ? mesh[k] : subset[k];
    x += lm[2 * p];
    y += lm[2 * p + 1];
  }
  return [(x / mesh.length) * w, (y / mesh.length) * h];
}

/**
 * The affine map from image pixels to crop pixels as canvas setTransform(a, b, c, d, e, f)
 * arguments, or null when the landmarks are unusable (missing, wrong length, eyes < 4 px apart).
 * @param {ArrayLike<number> | undefined} landmarks wire landmarks of the frame
 * @param {number} width image width in pixels
 * @param {number} height image height in pixels
 * @param {number} [size] crop side, default CROP_SIZE
 * @returns {[number, number, number, number, number, number] | null}
 */
export function cropTransform(landmarks, width, height, size = CROP_SIZE) {
  if (!landmarks || (landmarks.length !== 2 * MESH_POINTS && landmarks.length !== 2 * LANDMARK_SUBSET.length)) {
    return null;
  }
  // The person's left eye is on the image's right: right eye → left eye points along +x.
  const [rx, ry] = eyeCentre(landmarks, RIGHT_EYE, RIGHT_IN_SUBSET, width, height);
  const [lx, ly] = eyeCentre(landmarks, LEFT_EYE, LEFT_IN_SUBSET, width, height);
  const dx = lx - rx, dy = ly - ry;
  const d = Math.hypot(dx, dy);
  if (!(d >= MIN_EYE_DISTANCE_PX)) return null;
  const k = (CROP_EYE_DISTANCE * size) / d; // image px → crop px
  const cos = (dx / d) * k, sin = (dy / d) * k;
  const mx = (rx + lx) / 2, my = (ry + ly) / 2;
  // crop = R(−θ)·k·(p − m) + (size/2, CROP_EYE_Y·size)
  const a = cos, b = -sin, c = sin, e = cos;
  return [a, b, c, e, size / 2 - (a * mx + c * my), CROP_EYE_Y * size - (b * mx + e * my)];
}

/**
 * Cuts the aligned gray crop of the face whose landmarks are given from any drawable source.
 * Returns size·size gray bytes (ITU-R BT.601 luma, rounded), row-major, or null when the
 * landmarks are unusable. Pixels outside the source are black.
 * @param {CanvasImageSource} source the frame the landmarks were measured on
 * @param {number} width its width in pixels
 * @param {number} height its height in pixels
 * @param {ArrayLike<number> | undefined} landmarks the frame's wire landmarks
 * @param {{ size?: number, canvas?: OffscreenCanvas }} [options] a reusable size×size canvas
 * @returns {Uint8Array | null}
 */
export function alignedCrop(source, width, height, landmarks, options = {}) {
  const size = options.size ?? CROP_SIZE;
  const t = cropTransform(landmarks, width, height, size);
  if (!t) return null;
  const canvas = options.canvas ?? new OffscreenCanvas(size, size);
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, size, size);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.setTransform(...t);
  ctx.drawImage(source, 0, 0);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  const d = ctx.getImageData(0, 0, size, size).data;
  const out = new Uint8Array(size * size);
  for (let p = 0; p < out.length; p++) {
    out[p] = Math.round(0.299 * d[4 * p] + 0.587 * d[4 * p + 1] + 0.114 * d[4 * p + 2]);
  }
  return out;
}
