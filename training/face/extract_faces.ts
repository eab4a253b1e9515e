/**
 * `deno task extract-faces <face_landmarker.task> [--data ../shared/data] [--out DIR]
 *  [--splits train,val] [--limit N] [--chunk 512] [--presentations K] [--retry-missed]`
 *
 * Measures every FER2013 image of the given splits with the browser face tracker (headless
 * Chromium, MediaPipe FaceLandmarker in IMAGE mode) and caches blendshapes, head pose and the
 * 478 landmarks outside the repo (default ~/.cache/affectstream/face), and the aligned 48×48
 * gray crops of the pixel model (`NNNNNN.crops.u8`, static/face/pixel_crop.js). Each 48×48 image
 * is upscaled and padded (EXTRACTION_ATTEMPTS); an image with no face after every attempt is
 * stored as "no face" and left out of training. Resumable: finished chunks are skipped.
 * `--presentations K` uses only the first K of EXTRACTION_ATTEMPTS (the train cache of the shipped
 * models: K = TRAINING_PRESENTATIONS); `--retry-missed` measures the images of finished chunks
 * that have no face again with the presentations given (after presentations were added). The
 * summary in `<out>/extraction.json` is kept per split, with the presentations each used.
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
    presentations: { type: "string" },
    "retry-missed": { type: "boolean", default: false },
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
const presentationCount = values.presentations ? Number(values.presentations) : EXTRACTION_ATTEMPTS.length;
if (!Number.isInteger(presentationCount) || presentationCount < 1 || presentationCount > EXTRACTION_ATTEMPTS.length) {
  throw new RangeError(`--presentations must be an integer in 1..${EXTRACTION_ATTEMPTS.length}`);
}
const presentations = EXTRACTION_ATTEMPTS.slice(0, presentationCount);

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
    const perAttempt = new Array(presentations.length + 1).fill(0);
    let retried = 0;
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
          presentations,
          crops: true,
        });
        r.frames.forEach((f, k) => encodeRecord(f, r.attempts![k], records, k * RECORD.length));
        await writeChunk(file, new Uint8Array(records.buffer), cropFile, r.crops!);
      } else if (values["retry-missed"]) {
        const missed: number[] = [];
        for (let i = 0; i < count; i++) if (records[i * RECORD.length + RECORD.attempt] === 0) missed.push(i);
        if (missed.length) {
          const bytes = new Uint8Array(missed.length * FER_PIXELS);
          missed.forEach((i, k) =>
            bytes.set(raw.subarray((start + i) * FER_PIXELS, (start + i + 1) * FER_PIXELS), k * FER_PIXELS)
          );
          const r = await face.measure({
            bytes,
            width: FER_SIZE,
            height: FER_SIZE,
            channels: 1,
            count: missed.length,
            presentations,
            crops: true,
          });
          const crops = await Deno.readFile(cropFile);
          r.frames.forEach((f, k) => {
            if (!f.present) return;
            const i = missed[k];
            encodeRecord(f, r.attempts![k], records, i * RECORD.length);
            crops.set(
              r.crops!.subarray(k * CROP_SIZE * CROP_SIZE, (k + 1) * CROP_SIZE * CROP_SIZE),
              i * CROP_SIZE * CROP_SIZE,
            );
            retried++;
          });
          await writeChunk(file, new Uint8Array(records.buffer), cropFile, crops);
        }
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
      presentations,
      foundAtAttempt: Object.fromEntries(presentations.map((a, i) => [JSON.stringify(a), perAttempt[i + 1]])),
      noFace: perAttempt[0],
      ...(values["retry-missed"] ? { foundOnRetry: retried } : {}),
    };
    console.log(JSON.stringify({ [split]: summary[split] }));
  }
} finally {
  await face.close();
}
// The summary of splits not extracted in this run is kept.
const previous = await Deno.readTextFile(`${outDir}/extraction.json`).then(JSON.parse, () => ({}));
await Deno.writeTextFile(
  `${outDir}/extraction.json`,
  JSON.stringify({ ...previous, attempts: EXTRACTION_ATTEMPTS, ...summary }, null, 2),
);

/** Writes a chunk's records and crops, each through a temporary file, so an interrupted run leaves no half chunk. */
async function writeChunk(file: string, records: Uint8Array, cropFile: string, crops: Uint8Array): Promise<void> {
  await Deno.writeFile(cropFile + ".tmp", crops);
  await Deno.rename(cropFile + ".tmp", cropFile);
  await Deno.writeFile(file + ".tmp", records);
  await Deno.rename(file + ".tmp", file);
}
