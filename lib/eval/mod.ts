/**
 * `eval`: runs `analyze --manifest` over labelled items and writes a quality report (accuracy,
 * UAR, weighted-F1, per-class recall, ECE, selective accuracy, confusion-matrix PNGs) for each
 * modality and for the fusion, as markdown and JSON.
 */
import { basename, extname, join } from "node:path";
import { runAnalyze } from "../cli/analyze.ts";
import { readManifest } from "../cli/manifest.ts";
import type { EngineOptions } from "../engine/engine.ts";
import { confusionPng } from "./png.ts";
import { buildReport, type EvalReport, type PredictionLine, renderMarkdown, SYSTEMS } from "./report.ts";

export { buildReport, renderMarkdown } from "./report.ts";
export type { EvalReport, SystemReport } from "./report.ts";
export * from "./metrics.ts";

/** Options for {@linkcode runEval}. */
export interface EvalOptions {
  /** JSON-lines manifest; items carry a `label`. */
  manifest: string;
  /** Where the report goes. Default `reports/<manifest file name without extension>/`. */
  outDir?: string;
  /** Video frames analysed per second for the face. Default 5. */
  fps?: number;
  faceModelPath?: string;
  engine?: EngineOptions;
}

/** Default report folder of a manifest. */
export function defaultOutDir(manifest: string): string {
  return join("reports", basename(manifest, extname(manifest)));
}

/**
 * Analyses the manifest, scores it and writes `report.md`, `report.json`, `predictions.jsonl`
 * and `confusion_<system>.png` into the out dir. Returns the exit code: 0, or 1 when no
 * labelled item could be scored.
 */
export async function runEval(options: EvalOptions): Promise<number> {
  const outDir = options.outDir ?? defaultOutDir(options.manifest);
  await Deno.mkdir(outDir, { recursive: true });
  const items = await readManifest(options.manifest);
  const predictions = join(outDir, "predictions.jsonl");
  const code = await runAnalyze({
    files: [],
    manifest: options.manifest,
    out: predictions,
    fps: options.fps,
    faceModelPath: options.faceModelPath,
    engine: options.engine,
  });
  if (code !== 0) return code;
  const lines = (await Deno.readTextFile(predictions)).split("\n").filter((l) => l.trim())
    .map((l) => JSON.parse(l) as PredictionLine);
  const report = buildReport(options.manifest, items, lines);
  await writeReport(report, outDir);
  const fused = report.systems.fused;
  console.error(
    fused
      ? `eval: ${fused.n} items scored, fused accuracy ${fused.accuracy.toFixed(3)}, UAR ${
        fused.uar.toFixed(3)
      } → ${outDir}/report.md`
      : `eval: no labelled item could be scored → ${outDir}/report.md`,
  );
  return fused ? 0 : 1;
}

/** Writes the PNGs, then report.json and report.md (which link them). */
export async function writeReport(report: EvalReport, outDir: string): Promise<void> {
  for (const s of SYSTEMS) {
    const m = report.systems[s];
    if (!m) continue;
    m.confusionPng = `confusion_${s}.png`;
    await Deno.writeFile(join(outDir, m.confusionPng), await confusionPng(m.confusion));
  }
  await Deno.writeTextFile(join(outDir, "report.json"), JSON.stringify(report, null, 1) + "\n");
  await Deno.writeTextFile(join(outDir, "report.md"), renderMarkdown(report));
}
