/**
 * `deno run -A training/face/probe_presentations.ts [--split train] [--confidence 0.5] [--cache .cache/face]
 *  [--data ../shared/data] [--out training/face/results/presentation_probe_<split>.json]`
 *
 * How the extra presentations of EXTRACTION_ATTEMPTS were chosen (docs/face.md): takes the FER2013 images of a split
 * that the extract-faces cache records without a face after the first TRAINING_PRESENTATIONS presentations, tries each
 * candidate presentation alone on them at the given detector confidence, and picks candidates greedily by how many
 * faces each adds to those already found. Run it on train: val is for measuring, not choosing.
 */
import { parseArgs } from "node:util";
import { gunzip } from "node:zlib";
import { promisify } from "node:util";
import { HeadlessFace } from "../../lib/face/headless_face.ts";
import { RECORD, TRAINING_PRESENTATIONS } from "../../lib/offline/fer_cache.ts";

const FER_PIXELS = 48 * 48;
const CANDIDATES = [
  { scale: 4, pad: 1 },
  { scale: 4, pad: 1.5 },
  { scale: 2, pad: 1 },
  { scale: 2, pad: 2 },
  { scale: 3, pad: 0.5 },
  { scale: 6, pad: 0.5 },
  { scale: 5, pad: 1 },
  { scale: 2.5, pad: 0.5 },
  { scale: 8, pad: 0.5 },
];

const { values } = parseArgs({
  args: Deno.args,
  options: {
    split: { type: "string", default: "train" },
    confidence: { type: "string", default: "0.5" },
    cache: { type: "string", default: ".cache/face" },
    data: { type: "string", default: "../shared/data" },
    out: { type: "string" },
  },
});
const split = values.split!;
const confidence = Number(values.confidence);
if (!(confidence > 0 && confidence < 1)) throw new RangeError("--confidence must be in (0, 1)");

const raw = new Uint8Array(
  await promisify(gunzip)(await Deno.readFile(`${values.data}/face/fer2013/${split}.u8.gz`)),
);
const total = raw.length / FER_PIXELS;
const missed: number[] = [];
for (let start = 0; start < total; start += 512) {
  const b = await Deno.readFile(`${values.cache}/${split}/${String(start).padStart(6, "0")}.f32`);
  const records = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  for (let i = 0; i < records.length / RECORD.length; i++) {
    const attempt = records[i * RECORD.length + RECORD.attempt];
    if (attempt === 0 || attempt > TRAINING_PRESENTATIONS) missed.push(start + i);
  }
}
const bytes = new Uint8Array(missed.length * FER_PIXELS);
missed.forEach((m, k) => bytes.set(raw.subarray(m * FER_PIXELS, (m + 1) * FER_PIXELS), k * FER_PIXELS));
console.log(
  `${split}: ${missed.length} of ${total} images without a face after ${TRAINING_PRESENTATIONS} presentations`,
);

const face = await HeadlessFace.open({
  modelPath: `${values.data}/models/face_landmarker.task`,
  landmarks: "subset",
  pipeline: "prepared",
  minFaceDetectionConfidence: confidence,
});
const found = new Map<string, Set<number>>();
try {
  for (const c of CANDIDATES) {
    const r = await face.measure({
      bytes,
      width: 48,
      height: 48,
      channels: 1,
      count: missed.length,
      presentations: [c],
    });
    found.set(JSON.stringify(c), new Set(r.frames.flatMap((f, k) => (f.present ? [missed[k]] : []))));
    console.log(JSON.stringify(c), "finds", found.get(JSON.stringify(c))!.size);
  }
} finally {
  await face.close();
}
const covered = new Set<number>();
const greedy = [];
const left = new Map(found);
while (left.size) {
  let best = "", gain = -1;
  for (const [k, s] of left) {
    const g = [...s].filter((x) => !covered.has(x)).length;
    if (g > gain) best = k, gain = g;
  }
  found.get(best)!.forEach((x) => covered.add(x));
  left.delete(best);
  greedy.push({ presentation: JSON.parse(best), adds: gain, foundSoFar: covered.size });
  console.log(best, "adds", gain, "→", covered.size);
}
const out = values.out ?? `training/face/results/presentation_probe_${split}.json`;
await Deno.writeTextFile(
  out,
  JSON.stringify(
    {
      command: `deno run -A training/face/probe_presentations.ts ${Deno.args.join(" ")}`.trim(),
      split,
      confidence,
      missedAfterTrainingPresentations: missed.length,
      alone: Object.fromEntries([...found].map(([k, s]) => [k, s.size])),
      greedy,
      foundByAny: Object.fromEntries([...found].map(([k, s]) => [k, [...s]])),
    },
    null,
    1,
  ) + "\n",
);
console.log(`→ ${out}`);
