/**
 * The face modality: the `face` wire message and its validator, per-frame features from
 * MediaPipe blendshapes and landmarks, the face model and each participant's windowed face
 * stage, the pixel model's pooling with it, and headless extraction of faces from video and image
 * files. The browser side lives in static/face/ (face_tracker.js, pixel_crop.js, pixel_model.js);
 * docs/face.md describes both.
 */
export {
  BLENDSHAPE_NAMES,
  FaceFrameError,
  MAX_LANDMARK_POINTS,
  NUM_BLENDSHAPES,
  parseFaceFrame,
} from "./face_frame.ts";
export type { FaceFrame, HeadPose } from "./face_frame.ts";
export { FACE_FEATURE_DIM, faceFeatures } from "./face_features.ts";
export type { FeatureGap } from "./face_features.ts";
export { DEFAULT_FACE_MODEL_NAME, FaceModel } from "./face_model.ts";
export type { FaceModelOptions } from "./face_model.ts";
export { FaceStream, FaceStreamError } from "./face_stream.ts";
export type { FaceStreamOptions, FaceStreamStats } from "./face_stream.ts";
export { FaceAssetServer, MODEL_URL_PATH, TRACKER_URL_PATH, VENDOR_URL_PATH } from "./asset_server.ts";
export { HeadlessFaceError } from "./headless_face.ts";
export { DEFAULT_PIXEL_MODEL_NAME, parsePixelCombination, PixelModel, pooledProbs } from "./pixel_model.ts";
export type { PixelCombination } from "./pixel_model.ts";
