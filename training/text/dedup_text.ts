/**
 * Cross-split duplicates of the text corpora, and the dev figures without them.
 *
 * MELD and EmoryNLP are both drawn from Friends and share verbatim utterances between their train and dev
 * splits, and DailyDialog's dev repeats train lines. A dev turn whose normalised text (normaliseText) equals
 * the text of any training turn of any corpus the model trains on is dropped; the shipped model is then
 * measured on the rest exactly as training/text/evaluate.ts measures it (TypeScript tokenizer, ONNX).
 * Short stock phrases ("Okay.", "Oh my God!") make up most of the duplicates, so the deduplicated dev sets
 * lean towards longer turns: both figures are reported.
 *
 *   deno run -A training/text/dedup_text.ts [--models models] [--data ../shared/data/text]
 *     [--out training/text/results/dev_dedup.json]
 */
import { parseArgs } from "node:util";
import { type CorpusName, readCorpus } from "../../lib/offline/corpus/mod.ts";
import { TextModel } from "../../lib/text/text_model.ts";
import { evaluateText } from "./evaluate.ts";

/** The corpora whose training splits the text model learns from (training/text/dataset.ts). */
export const TRAINING_CORPORA: readonly CorpusName[] = [
  "meld",
  "emorynlp",
  "dailydialog",
  "emocontext",
  "goemotions",
  "isear",
];
/** The corpora with a dev split measured by evaluate.ts. */
export const DEV_CORPORA: readonly CorpusName[] = ["meld", "emorynlp", "emocontext", "goemotions", "dailydialog"];

/**
 * The comparison key of a turn: NFKC, lower case, typographic apostrophes and quotes folded, everything but
 * letters and digits removed, whitespace collapsed. "Oh my God!" and "oh, my god" are the same text.
 */
export function normaliseText(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/[\u2018\u2019\u0092`]/g, "'")
    .replace(/[^\p{L}\p{N}]+/gu, " ").trim();
}

/** Normalised texts of every training turn of the given corpora. */
export async function trainingTexts(dataDir: string, corpora = TRAINING_CORPORA): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const c of corpora) {
    for (const d of await readCorpus(c, dataDir, "train")) for (const t of d.turns) seen.add(normaliseText(t.text));
  }
  return seen;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      models: { type: "string", default: "models" },
      data: { type: "string", default: "../shared/data/text" },
      out: { type: "string", default: "training/text/results/dev_dedup.json" },
    },
  });
  const seen = await trainingTexts(values.data!);
  const perCorpus: Record<string, { train: number; devLabelled: number; devInTrain: number; devInOwnTrain: number }> =
    {};
  for (const c of DEV_CORPORA) {
    const own = await trainingTexts(values.data!, [c]);
    let labelled = 0, dup = 0, ownDup = 0;
    for (const d of await readCorpus(c, values.data!, "dev")) {
      for (const t of d.turns) {
        if (!t.label) continue;
        labelled++;
        const key = normaliseText(t.text);
        if (seen.has(key)) dup++;
        if (own.has(key)) ownDup++;
      }
    }
    perCorpus[c] = { train: own.size, devLabelled: labelled, devInTrain: dup, devInOwnTrain: ownDup };
  }
  const model = await TextModel.load(values.models!);
  const full = await evaluateText(model, values.data!);
  const dedup = await evaluateText(model, values.data!, (_c, text) => !seen.has(normaliseText(text)));
  await model.release();
  const result = {
    command: `deno run -A training/text/dedup_text.ts ${Deno.args.join(" ")}`.trim(),
    model: model.name,
    method: "dev turn dropped when its normalised text (NFKC, lower case, letters and digits only) equals a " +
      "training turn of any of " + TRAINING_CORPORA.join(", "),
    duplicates: perCorpus,
    full: { model: full.model, lexicon: full.lexicon, devCounts: full.devCounts },
    deduplicated: { model: dedup.model, lexicon: dedup.lexicon, devCounts: dedup.devCounts },
  };
  await Deno.mkdir(values.out!.replace(/\/[^/]*$/, ""), { recursive: true });
  await Deno.writeTextFile(values.out!, JSON.stringify(result, null, 1) + "\n");
  console.table(Object.fromEntries(
    Object.keys(full.model).map((k) => [k, { full: +full.model[k].toFixed(4), dedup: +dedup.model[k].toFixed(4) }]),
  ));
  console.table(perCorpus);
}
