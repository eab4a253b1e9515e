/**
 * Camera → face messages. Frames of the playing <video> are taken at most `fps` times a second
 * (requestVideoFrameCallback where available, else a timer), downscaled into an ImageBitmap and
 * measured by face_worker.js; only one frame is in flight, so a slow tracker lowers the rate
 * instead of queueing. Capture and measurement never wait on the page's rendering, and the
 * page's rendering never waits on them. Falls back to measuring on the main thread when the
 * worker cannot load the tracker.
 */

import { FramePacer } from "./frame_pacer.js";

/** Where the face tracker and its assets are served (lib/transport/static_routes.ts). */
export const FACE_ASSETS = {
  trackerUrl: "/static/face/face_tracker.js",
  wasmBase: "/vendor/tasks-vision/wasm",
  modulePath: "/vendor/tasks-vision/vision_bundle.mjs",
  modelUrl: "/v1/face-model/face_landmarker.task",
  pixelUrl: "/static/face/pixel_model.js",
};

/** Default measurement rate, frames per second (the server accepts ≤ 30). */
const DEFAULT_FPS = 12;
/** Frames wider than this are downscaled before measurement; the landmarker works at 256 px. */
const MAX_WIDTH = 640;
/** After this long without a detected face the state turns to "no face". */
const NO_FACE_AFTER_MS = 1500;
const NO_FACE_TEXT = "no face detected — face the camera, check the lighting";

/**
 * @typedef {object} FaceCaptureOptions
 * @property {HTMLVideoElement} video playing camera preview
 * @property {() => {timeMs: number, tag: number} | null} clock media time for a frame taken now and
 *   the ingest connection it belongs to; null while nothing can be sent
 * @property {(frame: object, tag: number) => void} onFrame a measured wire `face` message
 * @property {(state: {state: "loading"|"face"|"no-face"|"paused"|"failed", detail: string}) => void} onState
 *   "paused" while the clock gives null (the stream is not connected): nothing is measured then,
 *   and the lack of measurements is not reported as "no face".
 * @property {number} [fps]
 */

/** Measures faces in a camera preview. */
export class FaceCapture {
  /** @param {FaceCaptureOptions} options */
  constructor(options) {
    this.options = options;
    this.intervalMs = 1000 / (options.fps ?? DEFAULT_FPS);
    this.worker = undefined;
    this.tracker = undefined; // main-thread fallback
    this.pixel = undefined; // main-thread fallback's pixel model
    this.addPixelProbs = async (frame) => frame;
    this.running = false;
    this.inFlight = false;
    this.pacer = new FramePacer(options.fps ?? DEFAULT_FPS);
    this.lastFaceAt = -Infinity;
    this.state = "";
    this.stats = { taken: 0, measured: 0, withFace: 0, meanMs: 0, where: "", pixel: false };
  }

  /** Loads the tracker and starts sampling frames. */
  async start() {
    this.#setState("loading", "loading the face model…");
    const abs = (u) => new URL(u, location.href).href;
    const assets = Object.fromEntries(Object.entries(FACE_ASSETS).map(([k, v]) => [k, abs(v)]));
    try {
      this.worker = await startWorker(assets, (m) => this.#onWorkerFrame(m));
      this.stats.where = "worker";
      this.stats.pixel = this.worker.pixel;
    } catch (err) {
      console.warn(`face worker unavailable (${err.message}); measuring on the main thread`);
      const { createFaceTracker } = await import(assets.trackerUrl);
      this.tracker = await createFaceTracker(assets);
      this.stats.where = "main thread";
      try {
        const px = await import(assets.pixelUrl);
        const at = (u) => new URL(u, location.href).href;
        this.pixel = await px.createPixelModel({
          ortModulePath: at(px.PIXEL_ASSETS.ortModulePath),
          wasmBase: at(px.PIXEL_ASSETS.wasmBase),
          modelUrl: at(px.PIXEL_ASSETS.modelUrl),
        });
        this.addPixelProbs = px.addPixelProbs;
        this.stats.pixel = true;
      } catch (err) {
        console.warn(`pixel expression model unavailable (${err.message}); blendshapes only`);
      }
    }
    this.running = true;
    this.#setState("no-face", "looking for a face…");
    this.lastFaceAt = performance.now();
    this.#schedule();
  }

  /** Stops sampling and frees the tracker. */
  stop() {
    this.running = false;
    clearTimeout(this.timer);
    this.worker?.postMessage({ type: "close" });
    this.worker = undefined;
    this.tracker?.close();
    this.tracker = undefined;
    this.pixel?.close();
    this.pixel = undefined;
  }

  #schedule() {
    if (!this.running) return;
    const v = this.options.video;
    if (typeof v.requestVideoFrameCallback === "function") v.requestVideoFrameCallback(() => this.#tick());
    else this.timer = setTimeout(() => this.#tick(), this.intervalMs / 2);
  }

  async #tick() {
    if (!this.running) return;
    const now = performance.now();
    const v = this.options.video;
    const clock = this.options.clock();
    const due = this.pacer.ready(now);
    if (!clock) {
      if (this.state !== "failed") this.#setState("paused", "paused: the stream is not connected");
      this.#schedule();
      return;
    }
    if (this.state === "paused") {
      // Streaming again: the tracker gets its full grace period before "no face".
      this.lastFaceAt = now;
      this.#setState("no-face", "looking for a face…");
    }
    if (this.inFlight || !due || !v.videoWidth) {
      this.#checkNoFace(now);
      this.#schedule();
      return;
    }
    this.pacer.take();
    this.stats.taken++;
    this.inFlight = true;
    try {
      if (this.worker) {
        const scale = Math.min(1, MAX_WIDTH / v.videoWidth);
        const bitmap = await createImageBitmap(v, {
          resizeWidth: Math.round(v.videoWidth * scale),
          resizeHeight: Math.round(v.videoHeight * scale),
          resizeQuality: "low",
        });
        this.worker.postMessage({ type: "frame", bitmap, timeMs: clock.timeMs, tag: clock.tag }, [bitmap]);
        // inFlight clears when the worker answers.
      } else {
        const t0 = performance.now();
        const frame = await this.addPixelProbs(this.tracker.measure(v, clock.timeMs), v, this.pixel);
        this.#onFrame(frame, clock.tag, performance.now() - t0);
        this.inFlight = false;
      }
    } catch (err) {
      this.inFlight = false;
      this.#setState("failed", `face tracking failed: ${err.message}`);
    }
    this.#schedule();
  }

  #onWorkerFrame(m) {
    this.inFlight = false;
    if (m.type === "frame") this.#onFrame(m.frame, m.tag, m.ms);
    else if (m.type === "error") this.#setState("failed", `face tracking failed: ${m.message}`);
  }

  #onFrame(frame, tag, ms) {
    if (!this.running) return;
    const s = this.stats;
    s.measured++;
    s.meanMs += (ms - s.meanMs) / Math.min(s.measured, 30);
    const now = performance.now();
    if (frame.present) {
      s.withFace++;
      this.lastFaceAt = now;
      this.#setState("face", "face detected");
    } else {
      this.#checkNoFace(now);
    }
    this.options.onFrame(frame, tag);
  }

  #checkNoFace(now) {
    if (this.state !== "failed" && this.state !== "paused" && now - this.lastFaceAt > NO_FACE_AFTER_MS) {
      this.#setState("no-face", NO_FACE_TEXT);
    }
  }

  #setState(state, detail) {
    if (state === this.state && detail === this.detail) return;
    this.state = state;
    this.detail = detail;
    this.options.onState({ state, detail });
  }
}

/** Starts face_worker.js and waits until it has loaded the tracker. */
function startWorker(assets, onMessage) {
  return new Promise((resolve, reject) => {
    let worker;
    try {
      worker = new Worker(new URL("./face_worker.js", import.meta.url));
    } catch (err) {
      reject(err);
      return;
    }
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(e.message || "worker failed to start"));
    };
    worker.onmessage = (e) => {
      if (e.data.type === "ready") {
        worker.onmessage = (m) => onMessage(m.data);
        worker.onerror = (ev) => onMessage({ type: "error", message: ev.message });
        if (!e.data.pixel) console.warn(`pixel expression model unavailable (${e.data.pixelError ?? "not loaded"}); blendshapes only`);
        worker.pixel = !!e.data.pixel;
        resolve(worker);
      } else if (e.data.type === "error") {
        worker.terminate();
        reject(new Error(e.data.message));
      }
    };
    worker.postMessage({ type: "init", ...assets });
  });
}
