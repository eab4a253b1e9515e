/**
 * The evaluation report: per-system metrics (each modality on the items it answered, and the
 * fusion) computed from `analyze --manifest` output lines and the manifest's reference labels,
 * rendered as JSON and markdown.
 */
import { EMOTIONS } from "../emotion/labels.ts";
import type { Modality } from "../modality/estimate.ts";
import { referenceIndex } from "./labels.ts";
import { type ClassificationMetrics, classificationMetrics, selectiveAccuracy } from "./metrics.ts";

/** The systems the report scores. */
export const SYSTEMS = ["fused", "voice", "face", "text"] as const;

/** One of the scored systems. */
export type System = typeof SYSTEMS[number];

/** One scored system. */
export interface SystemReport extends ClassificationMetrics {
  /** Share of the labelled items the system answered. */
  answered: number;
  /** Accuracy of the most confident half of its answers. */
  selectiveAccuracy50: number;
  /** Mean fusion weight of the modality where it took part (absent for `fused`). */
  meanWeight?: number;
  /** File name of its confusion-matrix PNG, beside the report. */
  confusionPng?: string;
}

/** The whole report. */
export interface EvalReport {
  manifest: string;
  date: string;
  items: number;
  /** Items with a label of our seven classes. */
  labelled: number;
  /** Labels that have no class of ours, with their counts (those items are not scored). */
  unmappedLabels: Record<string, number>;
  /** Items analysis failed on (error lines), among the labelled ones. */
  failed: number;
  /** How often each modality was missing among the analysed labelled items. */
  missing: Record<Modality, number>;
  systems: Partial<Record<System, SystemReport>>;
  models: Record<string, string>;
}

/** An `analyze --manifest` output line, as far as the report reads it. */
export interface PredictionLine {
  id: string;
  error?: string;
  probs?: number[];
  /** Schema 2: `{modality, reason}` entries; schema 1 lines (bare modality names) are read too. */
  missing?: ({ modality: Modality; reason?: string } | Modality)[];
  modalities?: Partial<Record<Modality, { probs: number[]; weight: number; model: string }>>;
}

/** Scores prediction lines (in manifest order) against the items' labels. */
export function buildReport(
  manifest: string,
  items: readonly { id: string; label?: string }[],
  lines: readonly PredictionLine[],
): EvalReport {
  if (items.length !== lines.length) throw new RangeError(`${items.length} items but ${lines.length} prediction lines`);
  const unmapped: Record<string, number> = {};
  const missing: Record<Modality, number> = { voice: 0, face: 0, text: 0 };
  const models: Record<string, string> = {};
  const per: Record<System, { probs: number[][]; labels: number[]; weights: number[] }> = {
    fused: { probs: [], labels: [], weights: [] },
    voice: { probs: [], labels: [], weights: [] },
    face: { probs: [], labels: [], weights: [] },
    text: { probs: [], labels: [], weights: [] },
  };
  let labelled = 0, failed = 0;
  items.forEach((it, i) => {
    if (it.label === undefined) return;
    const y = referenceIndex(it.label);
    if (y < 0) {
      unmapped[it.label] = (unmapped[it.label] ?? 0) + 1;
      return;
    }
    labelled++;
    const line = lines[i];
    if (line.error || !line.probs) {
      failed++;
      return;
    }
    per.fused.probs.push(line.probs);
    per.fused.labels.push(y);
    for (const m of line.missing ?? []) missing[typeof m === "string" ? m : m.modality]++;
    for (
      const [m, e] of Object.entries(line.modalities ?? {}) as [
        Modality,
        { probs: number[]; weight: number; model: string },
      ][]
    ) {
      per[m].probs.push(e.probs);
      per[m].labels.push(y);
      per[m].weights.push(e.weight);
      models[m] = e.model;
    }
  });
  const systems: Partial<Record<System, SystemReport>> = {};
  for (const s of SYSTEMS) {
    const d = per[s];
    if (d.probs.length === 0) continue;
    systems[s] = {
      ...classificationMetrics(d.probs, d.labels),
      answered: labelled ? d.probs.length / labelled : 0,
      selectiveAccuracy50: selectiveAccuracy(d.probs, d.labels, 0.5),
      ...(s === "fused" ? {} : { meanWeight: d.weights.reduce((a, b) => a + b, 0) / d.weights.length }),
    };
  }
  return {
    manifest,
    date: new Date().toISOString(),
    items: items.length,
    labelled,
    unmappedLabels: unmapped,
    failed,
    missing,
    systems,
    models,
  };
}

const f3 = (x: number | null | undefined) => (x === null || x === undefined ? "–" : x.toFixed(3));

/** The report as markdown (figures to three decimals). */
export function renderMarkdown(r: EvalReport): string {
  const present = SYSTEMS.filter((s) => r.systems[s]);
  const lines = [
    `# Evaluation: ${r.manifest}`,
    "",
    `${r.items} items, ${r.labelled} with a label of our classes, ${r.failed} of those failed to analyse` +
    (Object.keys(r.unmappedLabels).length
      ? `; not scored (no class of ours): ${JSON.stringify(r.unmappedLabels)}`
      : "") +
    `. Generated ${r.date}. Models: ${Object.entries(r.models).map(([m, n]) => `${m} ${n}`).join(", ") || "none"}.`,
    "",
    "Each modality is scored on the items it answered; `fused` on every analysed item. ECE: 15 equal-width " +
    "bins of the max-probability confidence. Selective@50 %: accuracy of the most confident half.",
    "",
    "| system | n | answered | accuracy | UAR | weighted-F1 | ECE | mean conf. | selective@50 % | mean weight |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...present.map((s) => {
      const m = r.systems[s]!;
      return `| ${s} | ${m.n} | ${f3(m.answered)} | ${f3(m.accuracy)} | ${f3(m.uar)} | ${f3(m.weightedF1)} | ` +
        `${f3(m.ece)} | ${f3(m.meanConfidence)} | ${f3(m.selectiveAccuracy50)} | ${f3(m.meanWeight)} |`;
    }),
    "",
    "## Per-class recall",
    "",
    `| system | ${EMOTIONS.join(" | ")} |`,
    `|---|${EMOTIONS.map(() => "---").join("|")}|`,
    ...present.map((s) => `| ${s} | ${EMOTIONS.map((e) => f3(r.systems[s]!.recall[e])).join(" | ")} |`),
    "",
    `Missing modalities among analysed items: ${JSON.stringify(r.missing)}.`,
    "",
    "## Confusion matrices",
    "",
    "Rows: reference; columns: prediction; EMOTIONS order. PNGs show row-normalised percentages.",
  ];
  for (const s of present) {
    const m = r.systems[s]!;
    lines.push("", `### ${s}`, "");
    if (m.confusionPng) lines.push(`![${s} confusion](${m.confusionPng})`, "");
    lines.push(`| true \\ pred | ${EMOTIONS.join(" | ")} |`, `|---|${EMOTIONS.map(() => "---").join("|")}|`);
    m.confusion.forEach((row, i) => lines.push(`| ${EMOTIONS[i]} | ${row.join(" | ")} |`));
  }
  return lines.join("\n") + "\n";
}
