/**
 * Headless batch measurement with presentations, crops and the pixel model: the page side of
 * FER2013 extraction (training/face/extract_faces.ts) and of offline analysis of files
 * (lib/face/face_extractor.ts). Each image is drawn onto a canvas — upscaled and padded with
 * the mean colour of its edge pixels, since the face detector misses faces that fill the whole
 * frame — and the presentations are tried in order until a face is found, so that analysis
 * prepares an image exactly as training did. The aligned crop (pixel_crop.js) is cut from the
 * canvas the face was found on; the pixel model (pixel_model.js), when loaded, turns it into
 * probabilities, which are the only thing returned besides the measurements (and the crops
 * when asked, for building the training cache on this machine).
 */
import { createFaceTracker } from "./face_tracker.js";
import { alignedCrop, CROP_SIZE } from "./pixel_crop.js";
import { createPixelModel } from "./pixel_model.js";

/** @type {Awaited<ReturnType<typeof createFaceTracker>> | null} */
let tracker = null;
/** @type {Awaited<ReturnType<typeof createPixelModel>> | null} */
let pixelModel = null;

/**
 * Loads the tracker in IMAGE mode and, with `pixelModelUrl`, the pixel model.
 * @param {{ landmarks?: "subset"|"all"|"none", minFaceDetectionConfidence?: number,
 *   pixelModelUrl?: string }} [options]
 */
export async function init(options = {}) {
  close();
  tracker = await createFaceTracker({
    wasmBase: "/vendor/tasks-vision/wasm",
    modulePath: "/vendor/tasks-vision/vision_bundle.mjs",
    modelUrl: "/v1/face-model/face_landmarker.task",
    mode: "image",
    landmarks: options.landmarks ?? "subset",
    minFaceDetectionConfidence: options.minFaceDetectionConfidence,
  });
  if (options.pixelModelUrl) {
    pixelModel = await createPixelModel({
      ortModulePath: "/vendor/onnxruntime-web/ort.wasm.min.mjs",
      wasmBase: "/vendor/onnxruntime-web/",
      modelUrl: options.pixelModelUrl,
    });
  }
  return true;
}

/**
 * Measures `count` images of width×height×channels bytes (1 = gray, 3 = RGB) stored back to
 * back at `url`. Each image is tried with every presentation in order until a face is found.
 * Returns per image the wire frame (landmarks relative to the canvas the face was found on,
 * `aspect` that canvas's), the 1-based presentation that found it (0 = none), the pixel model's
 * probabilities when loaded (`pixelProbs` on the frame), and with `crops: true` the aligned
 * crops (CROP_SIZE² bytes each, zeros without a face) as one base64 string.
 * @param {{ url: string, width: number, height: number, channels: 1|3, count: number,
 *   presentations?: { scale: number, pad: number }[], timesMs?: number[], crops?: boolean }} req
 */
export async function measure(req) {
  if (!tracker) throw new Error("init() first");
  const { width, height, channels, count } = req;
  const presentations = req.presentations?.length ? req.presentations : [{ scale: 1, pad: 0 }];
  const bytes = new Uint8Array(await (await fetch(req.url)).arrayBuffer());
  if (bytes.length !== width * height * channels * count) throw new Error(`blob has ${bytes.length} bytes`);
  const small = new OffscreenCanvas(width, height);
  const sctx = small.getContext("2d");
  const big = document.createElement("canvas");
  const bctx = big.getContext("2d");
  const cropCanvas = new OffscreenCanvas(CROP_SIZE, CROP_SIZE);
  const rgba = new ImageData(width, height);
  const frames = [], attempts = [];
  const crops = req.crops ? new Uint8Array(count * CROP_SIZE * CROP_SIZE) : null;
  const stride = width * height * channels;
  const t0 = performance.now();
  let pixelMs = 0;
  for (let i = 0; i < count; i++) {
    const img = bytes.subarray(i * stride, (i + 1) * stride);
    const d = rgba.data;
    for (let p = 0, q = 0; p < width * height; p++, q += channels) {
      d[4 * p] = img[q];
      d[4 * p + 1] = img[channels === 3 ? q + 1 : q];
      d[4 * p + 2] = img[channels === 3 ? q + 2 : q];
      d[4 * p + 3] = 255;
    }
    sctx.putImageData(rgba, 0, 0);
    const timeMs = req.timesMs ? req.timesMs[i] : 0;
    let frame = { type: "face", timeMs, present: false };
    let found = 0;
    for (let a = 0; a < presentations.length && !frame.present; a++) {
      present(small, width, height, presentations[a], big, bctx, d);
      frame = tracker.measure(big, timeMs);
      if (frame.present) found = a + 1;
    }
    if (frame.present && (crops || pixelModel)) {
      const t1 = performance.now();
      const crop = alignedCrop(big, big.width, big.height, frame.landmarks, { canvas: cropCanvas });
      if (crop && crops) crops.set(crop, i * CROP_SIZE * CROP_SIZE);
      if (crop && pixelModel) {
        frame.pixelProbs = await pixelModel.probs(crop);
        pixelMs += performance.now() - t1; // crop + model: the browser's extra cost per frame
      }
    }
    frames.push(frame);
    attempts.push(found);
  }
  return { frames, attempts, ms: performance.now() - t0, pixelMs, crops: crops ? toBase64(crops) : undefined };
}

/** Draws `small` onto `big` upscaled by `scale` with a border of `pad`·scaled size in the edge mean colour. */
function present(small, width, height, { scale, pad }, big, bctx, rgbaData) {
  const sw = Math.round(width * scale), sh = Math.round(height * scale);
  const px = Math.round(sw * pad), py = Math.round(sh * pad);
  if (big.width !== sw + 2 * px || big.height !== sh + 2 * py) {
    big.width = sw + 2 * px;
    big.height = sh + 2 * py;
  }
  bctx.imageSmoothingEnabled = true;
  bctx.imageSmoothingQuality = "high";
  if (px || py) {
    bctx.fillStyle = edgeMean(rgbaData, width, height);
    bctx.fillRect(0, 0, big.width, big.height);
  }
  bctx.drawImage(small, px, py, sw, sh);
}

/** CSS colour of the mean of the edge pixels of an RGBA image. */
function edgeMean(d, w, h) {
  let r = 0, g = 0, b = 0, n = 0;
  const add = (x, y) => {
    const o = 4 * (y * w + x);
    r += d[o], g += d[o + 1], b += d[o + 2], n++;
  };
  for (let x = 0; x < w; x++) add(x, 0), add(x, h - 1);
  for (let y = 1; y < h - 1; y++) add(0, y), add(w - 1, y);
  return `rgb(${Math.round(r / n)},${Math.round(g / n)},${Math.round(b / n)})`;
}

function toBase64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Releases the tracker and the pixel model. */
export function close() {
  tracker?.close();
  tracker = null;
  pixelModel?.close();
  pixelModel = null;
}
