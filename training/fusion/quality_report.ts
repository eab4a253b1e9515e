/**
 * Regenerates docs/quality.md: every model's validation figures, read from its card in models/,
 * next to published references, plus the fusion and shift figures from training/fusion/results/.
 * Nothing here is measured anew; each figure names the card or results file it comes from.
 *
 *   deno run -A training/fusion/quality_report.ts [--models models] [--out docs/quality.md]
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: { models: { type: "string", default: "models" }, out: { type: "string", default: "docs/quality.md" } },
});

/**
 * References for models whose card quotes none. Human-rater figures come from the corpus papers;
 * they are on each corpus's full data, not our held-out speakers, so they are a yardstick only.
 */
const EXTRA_REFERENCES: Record<string, string[]> = {
  voice_emotion: [
    "RAVDESS: human raters identified the intended emotion of audio-only speech in about 62 % of trials (Livingstone & Russo 2018)",
    "EmoDB: utterances were kept only when ≥ 80 % of 20 listeners recognised the emotion (Burkhardt et al. 2005)",
  ],
};

// deno-lint-ignore no-explicit-any
type Card = Record<string, any>;

async function readJson(path: string): Promise<Card | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch {
    return null;
  }
}

const f = (x: unknown) => (typeof x === "number" ? x.toFixed(3) : "–");

function calibrationCell(card: Card): string {
  const c = card.calibration ?? {};
  const parts: string[] = [];
  if (typeof c.temperature === "number") parts.push(`T = ${c.temperature}`);
  if (typeof c.eceBefore === "number") parts.push(`ECE ${f(c.eceBefore)} → ${f(c.eceAfter)}`);
  else {
    for (const [k, v] of Object.entries(c)) if (/ece/i.test(k) && typeof v === "number") parts.push(`${k} ${f(v)}`);
  }
  return parts.join(", ") || "–";
}

function voiceRows(card: Card): string[] {
  const v = card.validation;
  return ["speakerLevel", "online"].flatMap((mode) =>
    ["ravdess", "emodb", "all"].map((c) => {
      const m = v?.[mode]?.[c];
      return m
        ? `| voice_emotion@${card.version} | ${c} (${
          mode === "online" ? "online speaker stats" : "speaker stats"
        }), n ${m.n} | UAR ${f(m.uar)}, accuracy ${f(m.accuracy)} |`
        : "";
    }).filter(Boolean)
  );
}

function faceRows(card: Card): string[] {
  const m = card.validation?.metrics ?? {};
  return [
    `| face_mlp@${card.version} | FER2013 val, faces detected | accuracy ${f(m.accuracyOnDetectedFaces)}, macro-F1 ${
      f(m.macroF1)
    } |`,
    `| face_mlp@${card.version} | FER2013 val, all images (no face = wrong) | accuracy ${
      f(m.accuracyAllImagesUndetectedCountedWrong)
    } |`,
  ];
}

function genericRows(card: Card): string[] {
  const v = card.validation ?? {};
  const metrics = v.model ?? v.metrics ?? v;
  return Object.entries(metrics).filter(([, x]) => typeof x === "number")
    .map(([k, x]) => `| ${card.name}@${card.version} | ${k} | ${f(x)} |`);
}

function references(card: Card): string[] {
  const r = card.validation?.references ?? card.validation?.publishedTestReferences ?? card.references;
  const out: string[] = [];
  if (typeof r === "string") out.push(r);
  else if (r && typeof r === "object") { for (const [k, v] of Object.entries(r)) out.push(`${k}: ${v}`); }
  return [...out, ...(EXTRA_REFERENCES[card.name] ?? [])];
}

const lines = [
  "# Quality",
  "",
  "Validation figures of every shipped model, read from its card (`models/*.card.json`), and of the fusion and",
  "shift detection (`training/fusion/results/*.json`). Regenerate with",
  "`deno run -A training/fusion/quality_report.ts`. Test splits are held out and measured separately",
  "(`deno task eval --manifest …`); published references are mostly on those test splits, so they are a",
  "yardstick, not a like-for-like comparison.",
  "",
  "| model | validation set | figures |",
  "|---|---|---|",
];
const cards: Card[] = [];
for (const name of ["voice_emotion", "face_mlp", "text_emotion"]) {
  const card = await readJson(`${values.models}/${name}.card.json`);
  if (!card) {
    lines.push(`| ${name} | – | not trained yet (no ${values.models}/${name}.card.json) |`);
    continue;
  }
  cards.push(card);
  lines.push(
    ...(name === "voice_emotion" ? voiceRows(card) : name === "face_mlp" ? faceRows(card) : genericRows(card)),
  );
}
lines.push(
  "",
  "## Calibration (temperature scaling, Guo et al. 2017; ECE with 15 bins)",
  "",
  "| model | calibration |",
  "|---|---|",
);
for (const c of cards) lines.push(`| ${c.name}@${c.version} | ${calibrationCell(c)} |`);
lines.push("", "## Published references", "");
for (const c of cards) for (const r of references(c)) lines.push(`- ${c.name}: ${r}`);

const fit = await readJson("training/fusion/results/fusion_fit.json");
if (fit) {
  lines.push("", "## Fusion (label-matched combinations of validation samples; see docs/fusion.md)", "");
  lines.push("| system | n | accuracy | UAR | ECE | selective@50 % |", "|---|---|---|---|---|---|");
  for (const r of fit.rows) {
    if (/head alone|fitted$/.test(r.system)) {
      lines.push(`| ${r.system} | ${r.n} | ${f(r.accuracy)} | ${f(r.uar)} | ${f(r.ece)} | ${f(r.selective50)} |`);
    }
  }
}
const shift = await readJson("training/fusion/results/shift_eval.json");
if (shift) {
  lines.push(
    "",
    `## Emotion shifts (ShiftTracker defaults ${JSON.stringify(shift.chosen)}: ${shift.chosenBy}; see docs/fusion.md)`,
    "",
  );
  lines.push("| sequences | precision | recall | F1 | false shift rate |", "|---|---|---|---|---|");
  for (const [k, r] of Object.entries(shift.results.chosen as Record<string, Card>)) {
    lines.push(`| ${k} | ${f(r.precision)} | ${f(r.recall)} | ${f(r.f1)} | ${f(r.falseShiftRate)} |`);
  }
}
await Deno.writeTextFile(values.out, lines.join("\n") + "\n");
console.log(`wrote ${values.out}`);
