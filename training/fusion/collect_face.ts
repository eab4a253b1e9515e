/**
 * Face head validation predictions: the shipped face_mlp over the cached FER2013 val (PublicTest)
 * features (written by `deno task extract-faces`), in TypeScript through onnxruntime-web exactly
 * as the server scores a frame. FER val is untouched by the face training (docs/face.md).
 *
 *   deno run -A training/fusion/collect_face.ts [--models models] [--cache ~/.cache/affectstream/face]
 */
import { parseArgs } from "node:util";
import { FaceModel } from "../../lib/face/face_model.ts";
import { defaultFaceCacheDir } from "../../lib/offline/fer_cache.ts";
import { writeHead } from "./head_predictions.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { models: { type: "string", default: "models" }, cache: { type: "string" } },
});
const dir = `${values.cache ?? defaultFaceCacheDir()}/features`;
const meta = JSON.parse(await Deno.readTextFile(`${dir}/val.json`));
const bytes = await Deno.readFile(`${dir}/val.f32`);
const x = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
const model = await FaceModel.load(values.models);
const rows = Array.from({ length: meta.count }, (_, i) => x.slice(i * meta.dim, (i + 1) * meta.dim));
const logits: Float32Array[] = [];
for (let i = 0; i < rows.length; i += 256) logits.push(...await model.logitsBatch(rows.slice(i, i + 256)));
const path = await writeHead({
  modality: "face",
  model: model.name,
  temperature: model.temperature,
  protocol: "FER2013 val (PublicTest), faces the landmarker found; untouched by training and calibration",
  samples: logits.map((l, i) => ({
    id: `fer-val-${meta.index[i]}`,
    label: meta.label[i],
    logits: Array.from(l),
    group: `fer-val-${meta.index[i]}`,
    coverage: 1,
  })),
});
console.log(`face: ${logits.length} val predictions (${meta.total - meta.count} images without a face) → ${path}`);
await model.release();
