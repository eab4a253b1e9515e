/**
 * Classic Web Worker running static/face/face_tracker.js off the main thread, so MediaPipe's
 * per-frame work (tens of ms on a CPU) never delays rendering or camera capture. A classic
 * worker, not a module worker: MediaPipe loads its wasm glue with importScripts, which module
 * workers lack. Chromium and Firefox allow dynamic import() in classic workers.
 *
 * The pixel expression model (static/face/pixel_model.js) adds its probabilities to each measured
 * frame when it loads; when it cannot (no model served, no wasm), frames go out without them and
 * the server scores blendshapes alone. Pixels never leave this worker.
 *
 * Messages in:  {type: "init", wasmBase, modulePath, modelUrl, trackerUrl, pixelUrl} (absolute URLs)
 *               {type: "frame", bitmap: ImageBitmap, timeMs, tag}  (the bitmap is transferred)
 * Messages out: {type: "ready"} | {type: "error", message} | {type: "frame", frame, tag, ms}
 */

let tracker;
let pixel; // the pixel model, when it loaded
let addPixelProbs = async (frame) => frame;

self.onmessage = async (e) => {
  const msg = e.data;
  if (msg.type === "init") {
    try {
      const { createFaceTracker } = await import(msg.trackerUrl);
      tracker = await createFaceTracker({ wasmBase: msg.wasmBase, modulePath: msg.modulePath, modelUrl: msg.modelUrl });
      let pixelError;
      if (msg.pixelUrl) {
        try {
          const px = await import(msg.pixelUrl);
          const base = new URL("/", msg.pixelUrl).href;
          const at = (u) => new URL(u, base).href;
          pixel = await px.createPixelModel({
            ortModulePath: at(px.PIXEL_ASSETS.ortModulePath),
            wasmBase: at(px.PIXEL_ASSETS.wasmBase),
            modelUrl: at(px.PIXEL_ASSETS.modelUrl),
          });
          addPixelProbs = px.addPixelProbs;
        } catch (err) {
          pixelError = String(err?.message ?? err);
        }
      }
      self.postMessage({ type: "ready", pixel: !!pixel, ...(pixelError ? { pixelError } : {}) });
    } catch (err) {
      self.postMessage({ type: "error", message: String(err?.message ?? err) });
    }
  } else if (msg.type === "frame") {
    const t0 = performance.now();
    try {
      const frame = await addPixelProbs(tracker.measure(msg.bitmap, msg.timeMs), msg.bitmap, pixel);
      self.postMessage({ type: "frame", frame, tag: msg.tag, ms: performance.now() - t0 });
    } catch (err) {
      self.postMessage({ type: "error", message: String(err?.message ?? err), tag: msg.tag });
    } finally {
      msg.bitmap.close();
    }
  } else if (msg.type === "close") {
    tracker?.close();
    pixel?.close();
    self.close();
  }
};
