/**
 * Face stage cost: per-frame features, model calls at several batch sizes, and one
 * FaceStream.analyze over a 3 s utterance of 30 fps frames (real GRID measurements, replayed).
 * Also the browser-side cost of one MediaPipe measurement (face_tracker.js in headless Chromium, CPU
 * delegate, IMAGE mode) on 640×512 frames of a GRID clip, when /usr/bin/chromium exists.
 * Prints a table and writes artifacts/bench/face_features.json.
 * Run: `npx deno run -A bench/face_features_bench.ts` (needs models/face_mlp.onnx).
 */
import { FACE_FEATURE_DIM, faceFeatures } from "../lib/face/face_features.ts";
import { FaceModel } from "../lib/face/face_model.ts";
import { FaceStream } from "../lib/face/face_stream.ts";
import type { FaceFrame } from "../lib/face/face_frame.ts";
import { parsePpmStream } from "../lib/offline/face_extractor.ts";
import { HeadlessFace } from "../lib/face/headless_face.ts";

const frames: FaceFrame[] = JSON.parse(
  await Deno.readTextFile(new URL("../lib/face/testdata/grid_bbaf2n_frames.json", import.meta.url)),
).frames;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn: () => unknown, reps: number): Promise<number> {
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

const results: Record<string, number> = {};
const out = new Float32Array(FACE_FEATURE_DIM);
const featMs = await time(() => {
  for (let i = 0; i < 1000; i++) faceFeatures(frames[i % frames.length], out);
}, 9);
results["faceFeatures µs/frame"] = (featMs / 1000) * 1000;

const model = await FaceModel.load(new URL("../models", import.meta.url).pathname);
const rows = frames.map((f) => {
  const r = new Float32Array(FACE_FEATURE_DIM);
  faceFeatures(f, r);
  return r;
});
for (const n of [1, 8, 32, 128]) {
  const batch = Array.from({ length: n }, (_, i) => rows[i % rows.length]);
  await model.logitsBatch(batch);
  const ms = await time(() => model.logitsBatch(batch), 21);
  results[`model batch ${n} ms`] = ms;
  results[`model batch ${n} µs/frame`] = (ms / n) * 1000;
}
const analyzeMs = await time(async () => {
  const s = new FaceStream(model);
  // 3 s at 30 fps: the 10 fps recording replayed three times over, shifted by 33 ms
  for (let k = 0; k < 90; k++) s.push({ ...frames[k % 30], timeMs: k * (1000 / 30) });
  await s.analyze({ utteranceId: "b", startMs: 0, endMs: 3000, final: true });
  s.release();
}, 11);
results["FaceStream push 90 + analyze 3 s ms"] = analyzeMs;
await model.release();

const data = new URL("../../shared/data/", import.meta.url).pathname;
try {
  await Deno.stat("/usr/bin/chromium");
  const ppm = await new Deno.Command("ffmpeg", {
    args: [
      "-nostdin",
      "-loglevel",
      "error",
      "-i",
      `${data}media/grid_bbaf2n.mpg`,
      "-vf",
      "fps=10,scale=640:512",
      "-f",
      "image2pipe",
      "-vcodec",
      "ppm",
      "pipe:1",
    ],
    stdout: "piped",
  }).output();
  const video = parsePpmStream(ppm.stdout);
  const face = await HeadlessFace.open({ modelPath: `${data}models/face_landmarker.task` });
  try {
    const bytes = new Uint8Array(video.length * 640 * 512 * 3);
    video.forEach((f, i) => bytes.set(f.rgb, i * f.rgb.length));
    const batch = { bytes, width: 640, height: 512, channels: 3 as const, count: video.length };
    await face.measure(batch); // warm-up
    const { ms } = await face.measure(batch);
    results["browser MediaPipe 640x512 ms/frame"] = ms / video.length;
  } finally {
    await face.close();
  }
} catch (err) {
  console.log(`browser measurement skipped: ${(err as Error).message}`);
}

console.log("face features bench (median)");
for (const [k, v] of Object.entries(results)) console.log(`  ${k.padEnd(40)} ${v.toFixed(3)}`);
await Deno.mkdir("artifacts/bench", { recursive: true });
await Deno.writeTextFile(
  "artifacts/bench/face_features.json",
  JSON.stringify({ name: "face_features", date: new Date().toISOString(), results }, null, 2),
);
