/**
 * `deno task extract-faces <face_landmarker.task> [--data ../shared/data] [--out DIR]
 *  [--splits train,val] [--limit N] [--chunk 512]`
 *
 * Measures every FER2013 image of the given splits with the browser face tracker (headless
 * Chromium, MediaPipe FaceLandmarker in IMAGE mode) and caches blendshapes, head pose and the
 * 478 landmarks outside the repo (default ~/.cache/affectstream/face). Each 48×48 image is
 * upscaled and padded (EXTRACTION_ATTEMPTS); an image with no face after every attempt is
 * stored as "no face" and left out of training. Resumable: finished chunks are skipped.
 */
import { parseArgs } from "node:util";
import { gunzip } from "node:zlib";
import { promisify } from "node:util";
import { HeadlessFace } from "../../lib/face/headless_face.ts";
import { defaultFaceCacheDir, encodeRecord, EXTRACTION_ATTEMPTS, RECORD } from "../../lib/face/fer_cache.ts";

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

const face = await HeadlessFace.open({ modelPath, landmarks: "all" });
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
      if (!cached) {
        let pending = Array.from({ length: count }, (_, i) => i);
        for (let a = 0; a < EXTRACTION_ATTEMPTS.length && pending.length; a++) {
          const bytes = new Uint8Array(pending.length * FER_PIXELS);
          pending.forEach((i, k) =>
            bytes.set(raw.subarray((start + i) * FER_PIXELS, (start + i + 1) * FER_PIXELS), k * FER_PIXELS)
          );
          const { frames } = await face.measure({
            bytes,
            width: FER_SIZE,
            height: FER_SIZE,
            channels: 1,
            count: pending.length,
            ...EXTRACTION_ATTEMPTS[a],
          });
          const still: number[] = [];
          frames.forEach((f, k) => {
            if (f.present) encodeRecord(f, a + 1, records, pending[k] * RECORD.length);
            else still.push(pending[k]);
          });
          pending = still;
        }
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
