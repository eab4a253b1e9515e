/**
 * `deno task train:face [--data ../shared/data] [--cache DIR] [--models models] [--name face_mlp]
 *  [--epochs 80] [--seed 7]`
 *
 * Builds the face model's per-frame features from the extract-faces cache with the same code
 * the server runs (lib/face/face_features.ts), writes them next to the cache, then runs the
 * PyTorch trainer (training/face/train_face.py, /usr/bin/python3), which trains on FER2013
 * train, validates on val and writes models/<name>.onnx, .card.json, .md, the confusion PNG
 * and the ONNX/PyTorch parity fixture.
 */
import { parseArgs } from "node:util";
import { decodeRecord, defaultFaceCacheDir, readSplitRecords, RECORD } from "../../lib/offline/fer_cache.ts";
import { FACE_FEATURE_DIM, faceFeatures, type FeatureGap } from "../../lib/face/face_features.ts";
import { parseFerLabels } from "../../lib/face/fer_labels.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    data: { type: "string", default: "../shared/data" },
    cache: { type: "string" },
    models: { type: "string", default: "models" },
    name: { type: "string", default: "face_mlp" },
    epochs: { type: "string", default: "80" },
    seed: { type: "string", default: "7" },
    python: { type: "string", default: "/usr/bin/python3" },
    "features-only": { type: "boolean", default: false },
  },
});
const cacheDir = values.cache ?? defaultFaceCacheDir();
const featDir = `${cacheDir}/features`;
await Deno.mkdir(featDir, { recursive: true });

for (const split of ["train", "val"]) {
  const labels = parseFerLabels(await Deno.readTextFile(`${values.data}/face/fer2013/${split}.csv`));
  const records = await readSplitRecords(cacheDir, split, labels.length);
  const feats = new Float32Array(labels.length * FACE_FEATURE_DIM);
  const kept: number[] = [];
  const gaps: Record<string, number> = {};
  const row = new Float32Array(FACE_FEATURE_DIM);
  for (let i = 0; i < labels.length; i++) {
    const gap: FeatureGap | null = faceFeatures(decodeRecord(records, i), row);
    if (gap) {
      gaps[gap] = (gaps[gap] ?? 0) + 1;
      continue;
    }
    feats.set(row, kept.length * FACE_FEATURE_DIM);
    kept.push(i);
  }
  await Deno.writeFile(`${featDir}/${split}.f32`, new Uint8Array(feats.buffer, 0, kept.length * FACE_FEATURE_DIM * 4));
  const attempts = kept.map((i) => records[i * RECORD.length + RECORD.attempt]);
  await Deno.writeTextFile(
    `${featDir}/${split}.json`,
    JSON.stringify({
      dim: FACE_FEATURE_DIM,
      total: labels.length,
      count: kept.length,
      gaps,
      index: kept,
      label: kept.map((i) => labels[i]),
      allLabels: labels,
      attempt: attempts,
    }),
  );
  console.log(`${split}: ${kept.length}/${labels.length} images with features`, gaps);
}

if (!values["features-only"]) {
  const command = `deno task train:face ${Deno.args.join(" ")}`.trim();
  const args = [
    "training/face/train_face.py",
    "--features",
    featDir,
    "--extraction",
    `${cacheDir}/extraction.json`,
    "--models",
    values.models!,
    "--name",
    values.name!,
    "--epochs",
    values.epochs!,
    "--seed",
    values.seed!,
    "--command",
    command,
  ];
  const child = new Deno.Command(values.python!, {
    args,
    stdout: "inherit",
    stderr: "inherit",
    env: { OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
  }).spawn();
  const status = await child.status;
  if (!status.success) Deno.exit(status.code);
}
