/**
 * `deno run -A training/face/evaluate_face.ts [--cache DIR] [--data ../shared/data] [--models models]
 *  [--out training/face/results/face_mlp_val.json]`
 *
 * Scores the shipped blendshape model (face_mlp, ONNX as served) on the features `deno task train:face
 * --features-only` builds from the extract-faces cache, writes its logits next to the features
 * (`<split>.mlp_logits.f32`, one row per feature row; the pixel trainer pools with them) and measures FER2013 val
 * in full and without the images identical to train images (training/face/results/fer_dedup.json).
 */
import { parseArgs } from "node:util";
import { softmax } from "../../lib/emotion/affect.ts";
import { EMOTIONS } from "../../lib/emotion/labels.ts";
import { defaultFaceCacheDir } from "../../lib/offline/fer_cache.ts";
import { FACE_FEATURE_DIM } from "../../lib/face/face_features.ts";
import { FaceModel } from "../../lib/face/face_model.ts";

/** Accuracy, macro F1 and per-class recall of predictions; `total` counts images without a prediction too. */
export function faceMetrics(pred: number[], truth: number[], total: number) {
  const k = EMOTIONS.length;
  const m = Array.from({ length: k }, () => new Array(k).fill(0));
  pred.forEach((p, i) => m[truth[i]][p]++);
  const correct = pred.filter((p, i) => p === truth[i]).length;
  const recall = m.map((row, c) => row[c] / Math.max(1, row.reduce((a, b) => a + b, 0)));
  const precision = m.map((_, c) => m[c][c] / Math.max(1, m.reduce((a, row) => a + row[c], 0)));
  const f1 = recall.map((r, c) => (r + precision[c] > 0 ? (2 * r * precision[c]) / (r + precision[c]) : 0));
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  return {
    accuracyOnScored: r4(correct / pred.length),
    accuracyAllImagesMissedCountedWrong: r4(correct / total),
    scored: pred.length,
    images: total,
    macroF1: r4(f1.reduce((a, b) => a + b, 0) / k),
    perClassRecall: Object.fromEntries(EMOTIONS.map((e, c) => [e, r4(recall[c])])),
    confusion: m,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      cache: { type: "string" },
      data: { type: "string", default: "../shared/data" },
      models: { type: "string", default: "models" },
      dedup: { type: "string", default: "training/face/results/fer_dedup.json" },
      out: { type: "string", default: "training/face/results/face_mlp_val.json" },
    },
  });
  const featDir = `${values.cache ?? defaultFaceCacheDir()}/features`;
  const model = await FaceModel.load(values.models!);
  const result: Record<string, unknown> = {
    command: `deno run -A training/face/evaluate_face.ts ${Deno.args.join(" ")}`.trim(),
    model: model.name,
  };
  for (const split of ["train", "val"]) {
    const meta = JSON.parse(await Deno.readTextFile(`${featDir}/${split}.json`));
    const bytes = await Deno.readFile(`${featDir}/${split}.f32`);
    const x = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const logits = new Float32Array(meta.count * EMOTIONS.length);
    for (let s = 0; s < meta.count; s += 512) {
      const rows = [];
      for (let r = s; r < Math.min(meta.count, s + 512); r++) {
        rows.push(x.subarray(r * FACE_FEATURE_DIM, (r + 1) * FACE_FEATURE_DIM));
      }
      (await model.logitsBatch(rows)).forEach((l, k) => logits.set(l, (s + k) * EMOTIONS.length));
    }
    await Deno.writeFile(`${featDir}/${split}.mlp_logits.f32`, new Uint8Array(logits.buffer));
    if (split !== "val") continue;
    const dedup = JSON.parse(await Deno.readTextFile(values.dedup!));
    const drop = new Set<number>(dedup.valDropIndices);
    const pred = (r: number) => {
      const p = softmax(Array.from(logits.subarray(r * 7, r * 7 + 7)), model.temperature);
      return p.indexOf(Math.max(...p));
    };
    const rows = meta.index.map((_: number, r: number) => r);
    const kept = rows.filter((r: number) => !drop.has(meta.index[r]));
    result.full = faceMetrics(rows.map(pred), rows.map((r: number) => meta.label[r]), meta.total);
    result.deduplicated = faceMetrics(
      kept.map(pred),
      kept.map((r: number) => meta.label[r]),
      meta.total - drop.size,
    );
  }
  await model.release();
  await Deno.mkdir(values.out!.replace(/\/[^/]*$/, ""), { recursive: true });
  await Deno.writeTextFile(values.out!, JSON.stringify(result, null, 1) + "\n");
  for (const k of ["full", "deduplicated"]) {
    const r = result[k] as ReturnType<typeof faceMetrics>;
    console.log(k, { acc: r.accuracyOnScored, accAll: r.accuracyAllImagesMissedCountedWrong, images: r.images });
  }
}
