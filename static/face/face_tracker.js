/**
 * Face measurements in the participant's browser: MediaPipe Face Landmarker turns a camera
 * frame into the wire `face` message (52 blendshapes, head pose, optional landmarks). Raw
 * pixels never leave this module; only the measurements do. See docs/face.md for the format.
 *
 * Plain ES module, no bundler; the MediaPipe bundle is loaded from `modulePath` at runtime.
 */

/**
 * @typedef {{ yaw: number, pitch: number, roll: number }} HeadPose
 * Head rotation in degrees, from the facial transformation matrix (R = Ry(yaw)·Rx(pitch)·Rz(roll)).
 */

/**
 * @typedef {object} FaceFrameMessage The wire `face` message (lib/face/face_frame.ts validates it).
 * @property {"face"} type
 * @property {number} timeMs Participant media clock, ms.
 * @property {boolean} present Whether a face was detected.
 * @property {number[]} [blendshapes] 52 scores in [0,1], MediaPipe category order; present iff a face.
 * @property {HeadPose} [headPose]
 * @property {number[]} [landmarks] Flat [x0,y0,x1,y1,…], each normalised to [0,1] by image width/height.
 * @property {number} [aspect] Image width / height, so that landmark geometry can be measured undistorted.
 */

/**
 * @typedef {object} FaceTrackerOptions
 * @property {string} wasmBase URL of the tasks-vision wasm folder, e.g. "/vendor/tasks-vision/wasm".
 * @property {string} modulePath URL of the tasks-vision ES module, e.g. "/vendor/tasks-vision/vision_bundle.mjs".
 * @property {string} modelUrl URL of face_landmarker.task.
 * @property {"video"|"image"} [mode] "video" (default) tracks across frames; "image" treats every call alone.
 * @property {"subset"|"all"|"none"} [landmarks] Landmarks sent: "subset" (default, the points of
 *   LANDMARK_SUBSET, what the face model uses), "all" 478 points, or "none".
 * @property {"CPU"|"GPU"} [delegate] MediaPipe delegate; default "CPU" (works everywhere, headless included).
 * @property {number} [minFaceDetectionConfidence] Default 0.5 (MediaPipe's default).
 */

import { LANDMARK_SUBSET } from "./landmark_subset.js";

/** Number of MediaPipe blendshape categories. */
export const NUM_BLENDSHAPES = 52;

const RAD_TO_DEG = 180 / Math.PI;

/** Rounds to 4 decimals: landmark precision beyond 1e-4 of the image is noise and wire bytes. */
function round4(x) {
  return Math.round(x * 1e4) / 1e4;
}

/**
 * Head pose from MediaPipe's 4×4 facial transformation matrix (column-major `data`).
 * Decomposes R = Ry(yaw)·Rx(pitch)·Rz(roll): pitch = asin(−r12), yaw = atan2(r02, r22),
 * roll = atan2(r10, r11), with r_ij row i, column j.
 * @param {{ data: number[] }} matrix
 * @returns {HeadPose}
 */
export function headPoseFromMatrix(matrix) {
  const m = matrix.data;
  const r = (i, j) => m[j * 4 + i];
  const pitch = Math.asin(Math.max(-1, Math.min(1, -r(1, 2))));
  const yaw = Math.atan2(r(0, 2), r(2, 2));
  const roll = Math.atan2(r(1, 0), r(1, 1));
  return { yaw: yaw * RAD_TO_DEG, pitch: pitch * RAD_TO_DEG, roll: roll * RAD_TO_DEG };
}

/** Width and height of any drawable source. */
function sourceSize(source) {
  if ("videoWidth" in source && source.videoWidth) return [source.videoWidth, source.videoHeight];
  if ("naturalWidth" in source && source.naturalWidth) return [source.naturalWidth, source.naturalHeight];
  return [source.width, source.height];
}

/**
 * Builds the wire message from a FaceLandmarker result (the first face only).
 * @param {any} result FaceLandmarkerResult
 * @param {number} timeMs
 * @param {number} aspect width / height of the measured image
 * @param {"subset"|"all"|"none"} landmarkMode
 * @returns {FaceFrameMessage}
 */
export function frameFromResult(result, timeMs, aspect, landmarkMode) {
  const shapes = result.faceBlendshapes?.[0]?.categories;
  if (!result.faceLandmarks?.length || !shapes || shapes.length !== NUM_BLENDSHAPES) {
    return { type: "face", timeMs, present: false };
  }
  /** @type {FaceFrameMessage} */
  const frame = {
    type: "face",
    timeMs,
    present: true,
    // Categories arrive in model order; index keeps that order even if a build sorts by score.
    blendshapes: orderedScores(shapes),
  };
  const matrix = result.facialTransformationMatrixes?.[0];
  if (matrix) frame.headPose = headPoseFromMatrix(matrix);
  if (landmarkMode !== "none") {
    const points = result.faceLandmarks[0];
    const indices = landmarkMode === "all" ? null : LANDMARK_SUBSET;
    const n = indices ? indices.length : points.length;
    const flat = new Array(2 * n);
    for (let k = 0; k < n; k++) {
      const p = points[indices ? indices[k] : k];
      flat[2 * k] = round4(Math.min(1, Math.max(0, p.x)));
      flat[2 * k + 1] = round4(Math.min(1, Math.max(0, p.y)));
    }
    frame.landmarks = flat;
    frame.aspect = aspect;
  }
  return frame;
}

/** Scores in category-index order, clamped to [0, 1]. */
function orderedScores(categories) {
  const out = new Array(NUM_BLENDSHAPES).fill(0);
  categories.forEach((c, k) => {
    const i = typeof c.index === "number" && c.index >= 0 && c.index < NUM_BLENDSHAPES ? c.index : k;
    out[i] = Math.min(1, Math.max(0, c.score));
  });
  return out;
}

/**
 * Loads MediaPipe Face Landmarker and returns a measurer.
 * @param {FaceTrackerOptions} options
 * @returns {Promise<{ measure: (source: HTMLVideoElement|HTMLImageElement|HTMLCanvasElement|ImageBitmap|ImageData,
 *   timeMs: number) => FaceFrameMessage, close: () => void }>}
 */
export async function createFaceTracker(options) {
  const { wasmBase, modulePath, modelUrl } = options ?? {};
  if (!wasmBase || !modulePath || !modelUrl) {
    throw new TypeError("createFaceTracker needs wasmBase, modulePath and modelUrl");
  }
  const mode = options.mode ?? "video";
  const landmarkMode = options.landmarks ?? "subset";
  if (mode !== "video" && mode !== "image") throw new RangeError(`mode must be "video" or "image", got ${mode}`);
  if (!["subset", "all", "none"].includes(landmarkMode)) throw new RangeError(`bad landmarks option ${landmarkMode}`);
  const vision = await import(modulePath);
  const fileset = await vision.FilesetResolver.forVisionTasks(wasmBase);
  const landmarker = await vision.FaceLandmarker.createFromOptions(fileset, {
    baseOptions: { modelAssetPath: modelUrl, delegate: options.delegate ?? "CPU" },
    runningMode: mode === "video" ? "VIDEO" : "IMAGE",
    numFaces: 1,
    minFaceDetectionConfidence: options.minFaceDetectionConfidence ?? 0.5,
    outputFaceBlendshapes: true,
    outputFacialTransformationMatrixes: true,
  });
  let lastVideoMs = -Infinity;
  let closed = false;
  return {
    measure(source, timeMs) {
      if (closed) throw new Error("face tracker is closed");
      if (!(timeMs >= 0)) throw new RangeError(`timeMs must be ≥ 0, got ${timeMs}`);
      const [w, h] = sourceSize(source);
      if (!w || !h) return { type: "face", timeMs, present: false };
      let result;
      if (mode === "video") {
        // MediaPipe requires strictly increasing timestamps in VIDEO mode.
        const ts = Math.max(timeMs, lastVideoMs + 1);
        lastVideoMs = ts;
        result = landmarker.detectForVideo(source, ts);
      } else {
        result = landmarker.detect(source);
      }
      return frameFromResult(result, timeMs, w / h, landmarkMode);
    },
    close() {
      if (closed) return;
      closed = true;
      landmarker.close();
    },
  };
}
