/**
 * Face head validation predictions: the shipped face head over the cached FER2013 val (PublicTest)
 * measurements (written by `deno task extract-faces`), in TypeScript through onnxruntime-web exactly
 * as the server scores a frame. By default face_mlp alone on the features (logits and its
 * temperature), as a frame without `pixelProbs` is scored and as the shipped fusion parameters were
 * fitted; with `--pixel`, pooled with the pixel model (face_cnn) on the image's aligned crop as
 * FaceModel.frameProbs pools a frame that carries `pixelProbs` (the pixel probabilities rounded to
 * 1e-6 as on the wire) — the head a browser or bot participant gets. The pooled head is calibrated
 * by its pooling fit, so its samples carry log-probabilities at temperature 1. FER val is untouched
 * by the face training (docs/face.md).
 *
 *   deno run -A training/fusion/collect_face.ts [--models models] [--cache ~/.cache/affectstream/face] [--pixel]
 */
import { parseArgs } from "node:util";
import { FaceModel } from "../../lib/face/face_model.ts";
import { PIXEL_CROP_SIZE, PixelModel } from "../../lib/face/pixel_model.ts";
import { softmax } from "../../lib/emotion/affect.ts";
import { defaultFaceCacheDir } from "../../lib/offline/fer_cache.ts";
import { writeHead } from "./head_predictions.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    models: { type: "string", default: "models" },
    cache: { type: "string" },
    pixel: { type: "boolean", default: false },
  },
});
const cache = values.cache ?? defaultFaceCacheDir();
const dir = `${cache}/features`;
const meta = JSON.parse(await Deno.readTextFile(`${dir}/val.json`));
const bytes = await Deno.readFile(`${dir}/val.f32`);
const x = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
const model = await FaceModel.load(values.models);
const rows = Array.from({ length: meta.count }, (_, i) => x.slice(i * meta.dim, (i + 1) * meta.dim));
const logits: Float32Array[] = [];
let pooledCount = 0;
for (let i = 0; i < rows.length; i += 256) logits.push(...await model.logitsBatch(rows.slice(i, i + 256)));
const pooled = !values.pixel || !model.pixel ? null : await pooledLogits(meta.index, logits);
const path = await writeHead({
  modality: "face",
  model: pooled ? `${model.name} + ${model.pixel!.name}` : model.name,
  temperature: pooled ? 1 : model.temperature,
  protocol: "FER2013 val (PublicTest), faces the landmarker found; untouched by training and calibration" +
    (pooled ? "; blendshapes pooled with the pixel model on the aligned crop, as served" : "; blendshapes alone"),
  samples: (pooled ?? logits).map((l, i) => ({
    id: `fer-val-${meta.index[i]}`,
    label: meta.label[i],
    logits: Array.from(l),
    group: `fer-val-${meta.index[i]}`,
    coverage: 1,
  })),
});
console.log(
  `face: ${logits.length} val predictions (${meta.total - meta.count} images without a face${
    pooled ? `, ${pooledCount} pooled with the pixel model` : ", blendshapes alone"
  }) → ${path}`,
);
await model.release();

/**
 * Log-probabilities of each feature row as FaceModel.frameProbs scores a frame with `pixelProbs`: the pixel model
 * on the image's cached crop (`<cache>/val/NNNNNN.crops.u8`, 512 images a chunk), softmax rounded to 1e-6 as the
 * browser sends it. A row whose crop could not be cut (all zeros) keeps the blendshape model alone.
 */
async function pooledLogits(index: number[], blend: Float32Array[]): Promise<number[][]> {
  const pixel = await PixelModel.load(values.models!);
  const side = PIXEL_CROP_SIZE * PIXEL_CROP_SIZE;
  const chunks = new Map<number, Uint8Array>();
  const cropOf = async (image: number) => {
    const start = Math.floor(image / 512) * 512;
    if (!chunks.has(start)) {
      chunks.set(start, await Deno.readFile(`${cache}/val/${String(start).padStart(6, "0")}.crops.u8`));
    }
    return chunks.get(start)!.subarray((image - start) * side, (image - start + 1) * side);
  };
  const out: number[][] = [];
  try {
    for (let s = 0; s < index.length; s += 256) {
      const crops = await Promise.all(index.slice(s, s + 256).map(cropOf));
      const pixelLogits = await pixel.logits(crops);
      crops.forEach((crop, k) => {
        const r = s + k;
        const probs = crop.some((v) => v > 0)
          ? model.frameProbs(blend[r], softmax(Array.from(pixelLogits[k])).map((p) => Math.round(p * 1e6) / 1e6))
          : model.frameProbs(blend[r]);
        if (crop.some((v) => v > 0)) pooledCount++;
        out.push(probs.map((p) => Math.log(Math.max(p, 1e-12))));
      });
    }
  } finally {
    await pixel.release();
  }
  return out;
}
