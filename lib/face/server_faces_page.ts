/**
 * The page side of server-side face measurement: functions run inside a headless Chromium page
 * (through {@linkcode HeadlessFace.evaluate}) that decode encoded images with the browser's own
 * decoders and measure every face with MediaPipe Face Landmarker in IMAGE mode.
 *
 * Each face becomes a wire `face` message through `frameFromResult` of
 * static/face/face_tracker.js — the function the participant's browser uses — so the face
 * model sees identical features whichever side measured the frame. Only `numFaces` differs
 * from the browser's landmarker (which measures one face). With a pixel model, each face also
 * gets `pixelProbs` through `addPixelProbs` of static/face/pixel_model.js, as in the browser.
 *
 * These functions are serialised into the page: they must not close over anything.
 */
import type { FaceFrame } from "./face_frame.ts";

/** A face found by the page: its box (normalised [x, y, w, h], from the 478 landmarks) and its wire frame. */
export interface PageFace {
  box: [number, number, number, number];
  frame: FaceFrame;
}

/** The page's answer for one image: its size and faces, or why it could not be decoded. */
export type PageResult =
  | { ok: true; width: number; height: number; faces: PageFace[]; ms: number }
  | { ok: false; error: string };

/** Arguments of {@linkcode pageInit}. */
export interface PageInitArgs extends Record<string, unknown> {
  numFaces: number;
  minFaceDetectionConfidence: number;
  delegate: "CPU" | "GPU";
  trackerUrl: string;
  visionUrl: string;
  wasmBase: string;
  modelUrl: string;
  /** The pixel model's module and files, when the server has one (models/face_cnn.onnx). */
  pixel?: { moduleUrl: string; ortModulePath: string; wasmBase: string; modelUrl: string };
}

/** Arguments of {@linkcode pageMeasure}: `count` images stored back to back in the blob. */
export interface PageMeasureArgs extends Record<string, unknown> {
  lengths: number[];
  timesMs: number[];
}

/** Loads the landmarker into the page (replacing the single-face one the harness created). */
export async function pageInit(arg: PageInitArgs): Promise<boolean> {
  const g = globalThis as any;
  g.faceBatch?.close?.();
  g.serverFaces?.landmarker?.close?.();
  // URLs come in as arguments: literal specifiers here would be resolved by Deno, not the page.
  const tracker = await import(arg.trackerUrl);
  const vision = await import(arg.visionUrl);
  const fileset = await vision.FilesetResolver.forVisionTasks(arg.wasmBase);
  const landmarker = await vision.FaceLandmarker.createFromOptions(fileset, {
    baseOptions: { modelAssetPath: arg.modelUrl, delegate: arg.delegate },
    runningMode: "IMAGE",
    numFaces: arg.numFaces,
    minFaceDetectionConfidence: arg.minFaceDetectionConfidence,
    outputFaceBlendshapes: true,
    outputFacialTransformationMatrixes: true,
  });
  let pixel = null, addPixelProbs = null;
  if (arg.pixel) {
    const mod = await import(arg.pixel.moduleUrl);
    pixel = await mod.createPixelModel(arg.pixel);
    addPixelProbs = mod.addPixelProbs;
  }
  g.serverFaces = { landmarker, frameFromResult: tracker.frameFromResult, pixel, addPixelProbs };
  return true;
}

/** Decodes and measures a batch of encoded images fetched from `arg.blobUrl`. */
export async function pageMeasure(arg: PageMeasureArgs & { blobUrl?: string }): Promise<PageResult[]> {
  const { landmarker, frameFromResult, pixel, addPixelProbs } = (globalThis as any).serverFaces;
  const buf = new Uint8Array(await (await fetch(arg.blobUrl!)).arrayBuffer());
  const out: PageResult[] = [];
  let offset = 0;
  for (let i = 0; i < arg.lengths.length; i++) {
    const bytes = buf.subarray(offset, offset + arg.lengths[i]);
    offset += arg.lengths[i];
    const t0 = performance.now();
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(new Blob([bytes]));
    } catch (err) {
      out.push({ ok: false, error: String((err as Error)?.message ?? err) });
      continue;
    }
    const width = bitmap.width, height = bitmap.height;
    const faces: PageFace[] = [];
    try {
      const result = landmarker.detect(bitmap);
      const n = result.faceLandmarks?.length ?? 0;
      for (let k = 0; k < n; k++) {
        const pts = result.faceLandmarks[k];
        let x0 = 1, y0 = 1, x1 = 0, y1 = 0;
        for (const p of pts) {
          const x = Math.min(1, Math.max(0, p.x)), y = Math.min(1, Math.max(0, p.y));
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
        const one = {
          faceLandmarks: [pts],
          faceBlendshapes: result.faceBlendshapes?.[k] ? [result.faceBlendshapes[k]] : [],
          facialTransformationMatrixes: result.facialTransformationMatrixes?.[k]
            ? [result.facialTransformationMatrixes[k]]
            : [],
        };
        const frame = frameFromResult(one, arg.timesMs[i], width / height, "subset");
        if (!frame.present) continue;
        if (pixel) await addPixelProbs(frame, bitmap, pixel);
        const r4 = (v: number) => Math.round(v * 1e4) / 1e4;
        faces.push({ box: [r4(x0), r4(y0), r4(x1 - x0), r4(y1 - y0)], frame });
      }
    } finally {
      bitmap.close();
    }
    out.push({ ok: true, width, height, faces, ms: performance.now() - t0 });
  }
  return out;
}
