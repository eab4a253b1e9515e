/**
 * `deno run -A training/face/video_bias.ts [--data ../shared/data] [--out training/face/results/video_bias.json]
 *  [clip …]`
 *
 * What the face model reads on real video of people who are not acting an emotion: each clip of
 * ../shared/data/media (GRID speakers reading sentences; by default every grid_*.mpg and
 * pyfeat_single_face.mp4) decoded at 15 fps, its last frame held 1.5 s (the face at rest after speaking, as the
 * dashboard's browser tests feed it), measured in headless Chromium by static/face/face_tracker.js in VIDEO mode
 * (as the live page) and IMAGE mode (as offline analysis), the aligned crop scored by the pixel model
 * (static/face/pixel_model.js) when models/face_cnn.onnx exists; then the blendshape model alone and pooled with
 * the pixel model (lib/face/face_model.ts frameProbs). Reports mean probabilities over all frames and over the
 * held frames.
 */
import { parseArgs } from "node:util";
import { EMOTIONS } from "../../lib/emotion/labels.ts";
import { parsePpmStream } from "../../lib/offline/face_extractor.ts";
import { FACE_FEATURE_DIM, faceFeatures } from "../../lib/face/face_features.ts";
import type { FaceFrame } from "../../lib/face/face_frame.ts";
import { FaceModel } from "../../lib/face/face_model.ts";
import { HeadlessFace } from "../../lib/face/headless_face.ts";

const FPS = 15;
const HOLD_S = 1.5;

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    data: { type: "string", default: "../shared/data" },
    models: { type: "string", default: "models" },
    out: { type: "string", default: "training/face/results/video_bias.json" },
  },
});
const media = `${values.data}/media/`;
const clips = positionals.length ? positionals : [...Deno.readDirSync(media)].map((e) => e.name)
  .filter((n) => n.startsWith("grid_") || n === "pyfeat_single_face.mp4").sort();
const pixelFile = await Deno.stat(`${values.models}/face_cnn.onnx`).then(() => "face_cnn.onnx", () => undefined);
const face = await HeadlessFace.open({ modelPath: `${values.data}/models/face_landmarker.task` });
const model = await FaceModel.load(values.models!);
const x = new Float32Array(FACE_FEATURE_DIM);

/** Page side: measures RGB frames with a fresh tracker in `mode`, adds the pixel model's probabilities. */
// deno-lint-ignore no-explicit-any
async function pageMeasure(a: any): Promise<FaceFrame[]> {
  const t = await import(a.trackerUrl);
  const tracker = await t.createFaceTracker({
    wasmBase: "/vendor/tasks-vision/wasm",
    modulePath: "/vendor/tasks-vision/vision_bundle.mjs",
    modelUrl: "/v1/face-model/face_landmarker.task",
    mode: a.mode,
  });
  const crop = await import(a.cropUrl);
  const pm = a.pixelModelUrl
    ? await (await import(a.pixelUrl)).createPixelModel({
      ortModulePath: "/vendor/onnxruntime-web/ort.wasm.min.mjs",
      wasmBase: "/vendor/onnxruntime-web/",
      modelUrl: a.pixelModelUrl,
    })
    : null;
  const bytes = new Uint8Array(await (await fetch(a.blobUrl)).arrayBuffer());
  // runs in the page: the DOM is the page's (Deno's type checker knows no document)
  const c = (globalThis as any).document.createElement("canvas");
  c.width = a.width;
  c.height = a.height;
  const ctx = c.getContext("2d");
  const img = new ImageData(a.width, a.height);
  const out = [];
  for (let i = 0; i < a.n; i++) {
    const o = i * a.width * a.height * 3;
    for (let p = 0; p < a.width * a.height; p++) {
      img.data[4 * p] = bytes[o + 3 * p];
      img.data[4 * p + 1] = bytes[o + 3 * p + 1];
      img.data[4 * p + 2] = bytes[o + 3 * p + 2];
      img.data[4 * p + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    const f = tracker.measure(c, (i * 1000) / a.fps);
    if (f.present && pm) {
      const cr = crop.alignedCrop(c, a.width, a.height, f.landmarks);
      if (cr) f.pixelProbs = await pm.probs(cr);
    }
    out.push(f);
  }
  tracker.close();
  pm?.close();
  return out;
}

const mean = (ps: number[][]) =>
  ps.length ? EMOTIONS.map((_, k) => +(ps.reduce((s, p) => s + p[k], 0) / ps.length).toFixed(3)) : null;
const results: Record<string, unknown>[] = [];
for (const clip of clips) {
  const vf = `fps=${FPS},tpad=stop_mode=clone:stop_duration=${HOLD_S}`;
  const args = ["-loglevel", "error", "-i", media + clip, "-an", "-vf", vf, "-f", "image2pipe", "-vcodec", "ppm", "-"];
  const frames = parsePpmStream((await new Deno.Command("ffmpeg", { args, stdout: "piped" }).output()).stdout);
  const { width, height } = frames[0];
  const blob = new Uint8Array(frames.length * width * height * 3);
  frames.forEach((f, i) => blob.set(f.rgb, i * width * height * 3));
  const holdFrom = (frames.length / FPS - HOLD_S) * 1000;
  for (const mode of ["video", "image"]) {
    const measured = await face.evaluate(pageMeasure, {
      mode,
      width,
      height,
      n: frames.length,
      fps: FPS,
      trackerUrl: "/static/face/face_tracker.js",
      cropUrl: "/static/face/pixel_crop.js",
      pixelUrl: "/static/face/pixel_model.js",
      pixelModelUrl: pixelFile ? `/models/${pixelFile}` : undefined,
    }, blob);
    const blend: number[][] = [], pooled: number[][] = [], holdBlend: number[][] = [], holdPooled: number[][] = [];
    for (const f of measured) {
      if (faceFeatures(f, x)) continue;
      const l = await model.logits(x.slice());
      const pb = model.frameProbs(l), pp = model.frameProbs(l, f.pixelProbs);
      blend.push(pb);
      pooled.push(pp);
      if (f.timeMs >= holdFrom) holdBlend.push(pb), holdPooled.push(pp);
    }
    const r = {
      clip,
      mode,
      size: `${width}x${height}`,
      frames: measured.length,
      withFace: blend.length,
      blendshapeModel: { all: mean(blend), held: mean(holdBlend) },
      pooledWithPixelModel: model.pixel && pixelFile ? { all: mean(pooled), held: mean(holdPooled) } : undefined,
    };
    results.push(r);
    console.log(clip, mode, "blend held", r.blendshapeModel.held, "pooled held", r.pooledWithPixelModel?.held);
  }
}
await face.close();
await model.release();
await Deno.writeTextFile(
  values.out!,
  JSON.stringify(
    {
      command: `deno run -A training/face/video_bias.ts ${Deno.args.join(" ")}`.trim(),
      labels: EMOTIONS,
      models: [model.name, model.pixel?.name].filter(Boolean),
      fps: FPS,
      heldS: HOLD_S,
      results,
    },
    null,
    1,
  ) + "\n",
);
