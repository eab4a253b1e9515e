/**
 * The pixel expression model in the browser: a small CNN (models/face_cnn.onnx) run by
 * onnxruntime-web (wasm, one thread) on the aligned gray crop of pixel_crop.js. It returns
 * the model's raw probabilities (softmax of its logits, EMOTIONS order); the server applies
 * the card's calibration and combines them with the blendshape model. Pixels never leave
 * this module.
 */

import { alignedCrop } from "./pixel_crop.js";

/**
 * Where the app serves onnxruntime-web and the model (lib/transport/static_routes.ts), for createPixelModel.
 */
export const PIXEL_ASSETS = Object.freeze({
  ortModulePath: "/vendor/onnxruntime-web/ort.wasm.min.mjs",
  wasmBase: "/vendor/onnxruntime-web/",
  modelUrl: "/v1/face-model/face_cnn.onnx",
});

/** Input side the model expects (pixel_crop.js CROP_SIZE). */
export const PIXEL_INPUT_SIZE = 48;
/** Number of emotion classes. */
export const PIXEL_CLASSES = 7;

/**
 * Loads onnxruntime-web and the model.
 * @param {{ ortModulePath: string, wasmBase: string, modelUrl: string }} options
 *   ortModulePath: URL of onnxruntime-web's ES module (e.g. "/vendor/onnxruntime-web/ort.wasm.min.mjs");
 *   wasmBase: URL of the folder with its .wasm files; modelUrl: URL of face_cnn.onnx.
 * @returns {Promise<{ probs: (crop: Uint8Array) => Promise<number[]>, close: () => void }>}
 */
export async function createPixelModel(options) {
  const { ortModulePath, wasmBase, modelUrl } = options ?? {};
  if (!ortModulePath || !wasmBase || !modelUrl) {
    throw new TypeError("createPixelModel needs ortModulePath, wasmBase and modelUrl");
  }
  const ort = await import(ortModulePath);
  ort.env.wasm.wasmPaths = wasmBase;
  ort.env.wasm.numThreads = 1; // no cross-origin isolation needed; the face worker has one frame at a time
  const session = await ort.InferenceSession.create(modelUrl, { executionProviders: ["wasm"] });
  if (!session.inputNames.includes("crop") || !session.outputNames.includes("logits")) {
    throw new Error(`pixel model has inputs ${session.inputNames} and outputs ${session.outputNames}`);
  }
  const n = PIXEL_INPUT_SIZE * PIXEL_INPUT_SIZE;
  const input = new Float32Array(n);
  let closed = false;
  return {
    async probs(crop) {
      if (closed) throw new Error("pixel model is closed");
      if (crop.length !== n) throw new RangeError(`crop must hold ${n} gray bytes`);
      for (let i = 0; i < n; i++) input[i] = crop[i] / 255;
      const out = await session.run({
        crop: new ort.Tensor("float32", input, [1, 1, PIXEL_INPUT_SIZE, PIXEL_INPUT_SIZE]),
      });
      const logits = out.logits.data;
      if (logits.length !== PIXEL_CLASSES) throw new Error(`pixel model returned ${logits.length} logits`);
      let max = -Infinity;
      for (const v of logits) max = Math.max(max, v);
      const e = Array.from(logits, (v) => Math.exp(v - max));
      const sum = e.reduce((s, v) => s + v, 0);
      // 1e-6 precision is enough for calibrated log-linear pooling and keeps the wire short.
      return e.map((v) => Math.round((v / sum) * 1e6) / 1e6);
    },
    close() {
      if (closed) return;
      closed = true;
      session.release?.();
    },
  };
}

/**
 * Adds the pixel model's probabilities to a measured wire frame (in place): cuts the aligned crop of the
 * frame's face from the source it was measured on and runs the model. Frames without a face, or whose landmarks
 * cannot place a crop, are left as they are. The hook-up of a face worker is one line after `tracker.measure`:
 * `await addPixelProbs(frame, bitmap, pixel)`.
 * @param {{ present: boolean, landmarks?: number[], pixelProbs?: number[] }} frame from tracker.measure
 * @param {CanvasImageSource & { width?: number, height?: number, videoWidth?: number, videoHeight?: number }} source
 * @param {{ probs: (crop: Uint8Array) => Promise<number[]> } | null | undefined} model from createPixelModel
 * @returns {Promise<typeof frame>}
 */
export async function addPixelProbs(frame, source, model) {
  if (!model || !frame.present || !frame.landmarks) return frame;
  const w = source.videoWidth || source.naturalWidth || source.width;
  const h = source.videoHeight || source.naturalHeight || source.height;
  const crop = alignedCrop(source, w, h, frame.landmarks);
  if (crop) frame.pixelProbs = await model.probs(crop);
  return frame;
}
