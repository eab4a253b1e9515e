/**
 * Classic Web Worker running static/face/face_tracker.js off the main thread, so MediaPipe's
 * per-frame work (tens of ms on a CPU) never delays rendering or camera capture. A classic
 * worker, not a module worker: MediaPipe loads its wasm glue with importScripts, which module
 * workers lack. Chromium and Firefox allow dynamic import() in classic workers.
 *
 * Messages in:  {type: "init", wasmBase, modulePath, modelUrl, trackerUrl} (absolute URLs)
 *               {type: "frame", bitmap: ImageBitmap, timeMs, tag}  (the bitmap is transferred)
 * Messages out: {type: "ready"} | {type: "error", message} | {type: "frame", frame, tag, ms}
 */

let tracker;

self.onmessage = async (e) => {
  const msg = e.data;
  if (msg.type === "init") {
    try {
      const { createFaceTracker } = await import(msg.trackerUrl);
      tracker = await createFaceTracker({ wasmBase: msg.wasmBase, modulePath: msg.modulePath, modelUrl: msg.modelUrl });
      self.postMessage({ type: "ready" });
    } catch (err) {
      self.postMessage({ type: "error", message: String(err?.message ?? err) });
    }
  } else if (msg.type === "frame") {
    const t0 = performance.now();
    try {
      const frame = tracker.measure(msg.bitmap, msg.timeMs);
      self.postMessage({ type: "frame", frame, tag: msg.tag, ms: performance.now() - t0 });
    } catch (err) {
      self.postMessage({ type: "error", message: String(err?.message ?? err), tag: msg.tag });
    } finally {
      msg.bitmap.close();
    }
  } else if (msg.type === "close") {
    tracker?.close();
    self.close();
  }
};
