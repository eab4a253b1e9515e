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

/** Online (live-like) figures first: they are what a user gets; speaker-level ones peek at the scored clip. */
function voiceRows(card: Card): string[] {
  const v = card.validation;
  return ["online", "speakerLevel"].flatMap((mode) =>
    ["ravdess", "emodb", "all"].map((c) => {
      const m = v?.[mode]?.[c];
      return m
        ? `| voice_emotion@${card.version} | ${c} (${
          mode === "online"
            ? "**live-like**: speaker stats from earlier utterances only"
            : "speaker stats over all of the speaker's clips, the scored one included (optimistic)"
        }), n ${m.n} | UAR ${f(m.uar)}, accuracy ${f(m.accuracy)} |`
        : "";
    }).filter(Boolean)
  );
}

function faceRows(card: Card, dedup: Card | null, pixel: Card | null): string[] {
  const m = card.validation?.metrics ?? {};
  const rows = [
    `| face_mlp@${card.version} | FER2013 val, faces detected | accuracy ${f(m.accuracyOnDetectedFaces)}, macro-F1 ${
      f(m.macroF1)
    } |`,
    `| face_mlp@${card.version} | FER2013 val, all images (no face = wrong) | accuracy ${
      f(m.accuracyAllImagesUndetectedCountedWrong)
    } |`,
  ];
  const d = dedup?.deduplicated;
  if (d) {
    rows.push(
      `| face_mlp@${card.version} | FER2013 val deduplicated (${d.images} images; training/face/results/face_mlp_val.json) | ` +
        `accuracy ${f(d.accuracyOnScored)} on faces found, ${f(d.accuracyAllImagesMissedCountedWrong)} of all images |`,
    );
  }
  for (const [k, label] of [["pixel", "pixel CNN alone"], ["combined", "blendshapes + pixels pooled"]] as const) {
    const r = pixel?.results?.[k];
    if (r) {
      rows.push(
        `| ${pixel!.model} | FER2013 val deduplicated, ${label} (training/face/results/face_cnn_val.json) | accuracy ${
          f(r.accuracyOnScored)
        } on faces found, **${f(r.accuracyAllImagesMissedCountedWrong)} of all ${r.images} images**, macro-F1 ${
          f(r.macroF1)
        } |`,
      );
    }
  }
  return rows;
}

function genericRows(card: Card, dedup: Card | null): string[] {
  const v = card.validation ?? {};
  const metrics = v.model ?? v.metrics ?? v;
  const clean = dedup?.deduplicated?.model ?? {};
  const tuned = card.name === "text_emotion" ? " (dev, also used for tuning)" : "";
  return Object.entries(metrics).filter(([, x]) => typeof x === "number")
    .map(([k, x]) =>
      `| ${card.name}@${card.version} | ${k}${tuned} | ${f(x)}${
        typeof clean[k] === "number" ? `; without dev turns found in training text ${f(clean[k])}` : ""
      } |`
    );
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
  "yardstick, not a like-for-like comparison. Headline figures are the ones users get: voice with speaker",
  "statistics from earlier utterances only (as live), face on FER2013 val without the images identical to train",
  "images and counting images without a detected face as wrong; text dev figures also chose epoch, recipe and",
  "temperature, so they are optimistic (the deduplicated ones drop dev turns found verbatim in training text).",
  "",
  "| model | validation set | figures |",
  "|---|---|---|",
];
const cards: Card[] = [];
for (const name of ["voice_emotion", "face_mlp", "face_cnn", "text_emotion"]) {
  if (name === "face_cnn") {
    const c = await readJson(`${values.models}/face_cnn.card.json`);
    if (c) cards.push(c); // its figures are rows of face_mlp's (pooled with it); listed for calibration
    continue;
  }
  const card = await readJson(`${values.models}/${name}.card.json`);
  if (!card) {
    lines.push(`| ${name} | – | not trained yet (no ${values.models}/${name}.card.json) |`);
    continue;
  }
  cards.push(card);
  lines.push(
    ...(name === "voice_emotion" ? voiceRows(card) : name === "face_mlp"
      ? faceRows(
        card,
        await readJson("training/face/results/face_mlp_val.json"),
        await readJson("training/face/results/face_cnn_val.json"),
      )
      : genericRows(card, await readJson("training/text/results/dev_dedup.json"))),
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
