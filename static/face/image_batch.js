/**
 * Headless batch measurement: the page side of offline extraction (FER2013 training images,
 * decoded video frames). Fetches a batch of raw images from the loopback server, draws each
 * onto a canvas (optionally upscaled and padded, since the face detector misses faces that
 * fill the whole frame) and runs the same face tracker the live page uses.
 */
import { createFaceTracker } from "./face_tracker.js";

/** @type {Awaited<ReturnType<typeof createFaceTracker>> | null} */
let tracker = null;

/**
 * Loads the tracker in IMAGE mode (every image measured on its own).
 * @param {{ landmarks?: "subset"|"all"|"none", minFaceDetectionConfidence?: number }} [options]
 */
export async function init(options = {}) {
  tracker?.close();
  tracker = await createFaceTracker({
    wasmBase: "/vendor/tasks-vision/wasm",
    modulePath: "/vendor/tasks-vision/vision_bundle.mjs",
    modelUrl: "/v1/face-model/face_landmarker.task",
    mode: "image",
    landmarks: options.landmarks ?? "subset",
    minFaceDetectionConfidence: options.minFaceDetectionConfidence,
  });
  return true;
}

/**
 * Measures `count` images of width×height×channels bytes (1 = gray, 3 = RGB) stored back to
 * back at `url`.
 * @param {{ url: string, width: number, height: number, channels: 1|3, count: number,
 *   scale?: number, pad?: number, timesMs?: number[] }} req scale: upscaling factor (default 1);
 *   pad: border added on each side as a fraction of the scaled size (default 0), filled with the
 *   mean colour of the image's edge pixels.
 */
export async function measure(req) {
  if (!tracker) throw new Error("init() first");
  const { width, height, channels, count } = req;
  const scale = req.scale ?? 1;
  const pad = req.pad ?? 0;
  const bytes = new Uint8Array(await (await fetch(req.url)).arrayBuffer());
  if (bytes.length !== width * height * channels * count) throw new Error(`blob has ${bytes.length} bytes`);
  const small = new OffscreenCanvas(width, height);
  const sctx = small.getContext("2d");
  const sw = Math.round(width * scale), sh = Math.round(height * scale);
  const px = Math.round(sw * pad), py = Math.round(sh * pad);
  const big = document.createElement("canvas");
  big.width = sw + 2 * px;
  big.height = sh + 2 * py;
  const bctx = big.getContext("2d");
  bctx.imageSmoothingEnabled = true;
  bctx.imageSmoothingQuality = "high";
  const rgba = new ImageData(width, height);
  const frames = [];
  const stride = width * height * channels;
  const t0 = performance.now();
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
    if (px || py) {
      bctx.fillStyle = edgeMean(d, width, height);
      bctx.fillRect(0, 0, big.width, big.height);
    }
    bctx.drawImage(small, px, py, sw, sh);
    frames.push(tracker.measure(big, req.timesMs ? req.timesMs[i] : 0));
  }
  return { frames, ms: performance.now() - t0 };
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

/** Releases the tracker. */
export function close() {
  tracker?.close();
  tracker = null;
}
