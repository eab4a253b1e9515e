/**
 * `deno task extract-faces <face_landmarker.task> [--data ../shared/data] [--out DIR]
 *  [--splits train,val] [--limit N] [--chunk 512]`
 *
 * Measures every FER2013 image of the given splits with the browser face tracker (headless
 * Chromium, MediaPipe FaceLandmarker in IMAGE mode) and caches blendshapes, head pose and the
 * 478 landmarks outside the repo (default ~/.cache/affectstream/face), and the aligned 48×48
 * gray crops of the pixel model (`NNNNNN.crops.u8`, static/face/pixel_crop.js). Each 48×48 image
 * is upscaled and padded (EXTRACTION_ATTEMPTS); an image with no face after every attempt is
 * stored as "no face" and left out of training. Resumable: finished chunks are skipped.
 */
import { parseArgs } from "node:util";
import { gunzip } from "node:zlib";
import { promisify } from "node:util";
import { HeadlessFace } from "../../lib/face/headless_face.ts";
import { CROP_SIZE } from "../../static/face/pixel_crop.js";
import { defaultFaceCacheDir, encodeRecord, EXTRACTION_ATTEMPTS, RECORD } from "../../lib/offline/fer_cache.ts";

const FER_SIZE = 48;
const FER_PIXELS = FER_SIZE * FER_SIZE;

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    data: { type: "string", default: "../shared/data" },
    out: { type: "string" },
    splits: { type: "string", default: "train,val" },
    limit: { type: "string" },
    chunk: { type: "string", default: "512" },
  },
});
const modelPath = positionals[0];
if (!modelPath) {
  console.error("usage: deno task extract-faces <face_landmarker.task> [--data DIR] [--out DIR] [--splits train,val]");
  Deno.exit(2);
}
const outDir = values.out ?? defaultFaceCacheDir();
const chunkSize = Number(values.chunk);
if (!(chunkSize >= 1)) throw new RangeError("--chunk must be ≥ 1");

// The prepared pipeline (static/face/pixel_batch.js) is the one analysis uses: presentations
// tried in order, and the aligned crop the pixel model is trained on, cut by the same page code.
const face = await HeadlessFace.open({ modelPath, landmarks: "all", pipeline: "prepared" });
const summary: Record<string, unknown> = {};
try {
  for (const split of values.splits!.split(",")) {
    const gz = await Deno.readFile(`${values.data}/face/fer2013/${split}.u8.gz`);
    const raw = new Uint8Array(await promisify(gunzip)(gz));
    const total = Math.min(raw.length / FER_PIXELS, values.limit ? Number(values.limit) : Infinity);
    await Deno.mkdir(`${outDir}/${split}`, { recursive: true });
    const perAttempt = new Array(EXTRACTION_ATTEMPTS.length + 1).fill(0);
    const t0 = performance.now();
    let done = 0;
    for (let start = 0; start < total; start += chunkSize) {
      const file = `${outDir}/${split}/${String(start).padStart(6, "0")}.f32`;
      const count = Math.min(chunkSize, total - start);
      const records = new Float32Array(count * RECORD.length);
      let cached = false;
      try {
        const bytes = await Deno.readFile(file);
        if (bytes.byteLength === records.byteLength) {
          records.set(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
          cached = true;
        }
      } catch { /* not extracted yet */ }
      const cropFile = `${outDir}/${split}/${String(start).padStart(6, "0")}.crops.u8`;
      const cropBytes = count * CROP_SIZE * CROP_SIZE;
      if (cached) cached = await Deno.stat(cropFile).then((s) => s.size === cropBytes, () => false);
      if (!cached) {
        const bytes = raw.subarray(start * FER_PIXELS, (start + count) * FER_PIXELS);
        const r = await face.measure({
          bytes,
          width: FER_SIZE,
          height: FER_SIZE,
          channels: 1,
          count,
          presentations: EXTRACTION_ATTEMPTS,
          crops: true,
        });
        r.frames.forEach((f, k) => encodeRecord(f, r.attempts![k], records, k * RECORD.length));
        await Deno.writeFile(cropFile + ".tmp", r.crops!);
        await Deno.rename(cropFile + ".tmp", cropFile);
        const tmp = file + ".tmp";
        await Deno.writeFile(tmp, new Uint8Array(records.buffer));
        await Deno.rename(tmp, file);
      }
      for (let i = 0; i < count; i++) perAttempt[records[i * RECORD.length + RECORD.attempt]]++;
      done += count;
      const rate = done / ((performance.now() - t0) / 1000);
      console.log(`${split}: ${done}/${total} (${rate.toFixed(0)} img/s)${cached ? " cached" : ""}`);
    }
    const detected = total - perAttempt[0];
    summary[split] = {
      images: total,
      detected,
      detectionRate: detected / total,
      foundAtAttempt: Object.fromEntries(EXTRACTION_ATTEMPTS.map((a, i) => [JSON.stringify(a), perAttempt[i + 1]])),
      noFace: perAttempt[0],
    };
    console.log(JSON.stringify({ [split]: summary[split] }));
  }
} finally {
  await face.close();
}
await Deno.writeTextFile(
  `${outDir}/extraction.json`,
  JSON.stringify({ attempts: EXTRACTION_ATTEMPTS, ...summary }, null, 2),
);
