/** Builds the text model's card (card.json) and its human-readable page (.md) from the training report. */
import { EMOTIONS, SENTIMENTS } from "../../lib/emotion/labels.ts";
import {
  DAILYDIALOG_EMOTION_MAP,
  EMOCONTEXT_EMOTION_MAP,
  EMOCONTEXT_LABELS,
  EMORYNLP_EMOTION_MAP,
  EMORYNLP_LABELS,
  GOEMOTIONS_EKMAN_MAP,
  ISEAR_EMOTION_MAP,
  MELD_EMOTION_MAP,
} from "../../lib/offline/corpus/mod.ts";
import { OOV_BUCKETS } from "../../lib/text/tokenizer.ts";

/** Where the scripts write the text model's result tables (recipe history, deduplicated dev figures). */
export const TEXT_RESULTS_DIR = new URL("./results/", import.meta.url).pathname;

/** The result tables the card quotes, read from TEXT_RESULTS_DIR (missing files give undefined). */
export interface TextResults {
  /** results/recipe_history.json: pretraining ablation, recipe comparison and search of text_emotion@2. */
  // deno-lint-ignore no-explicit-any
  recipeHistory?: any;
  /** results/dev_dedup.json (training/text/dedup_text.ts): dev figures with and without cross-split duplicates. */
  // deno-lint-ignore no-explicit-any
  devDedup?: any;
}

/** Reads the result tables of {@linkcode TextResults}. */
export async function readTextResults(dir = TEXT_RESULTS_DIR): Promise<TextResults> {
  const read = async (name: string) => {
    try {
      return JSON.parse(await Deno.readTextFile(`${dir}/${name}`));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return undefined;
      throw err;
    }
  };
  return { recipeHistory: await read("recipe_history.json"), devDedup: await read("dev_dedup.json") };
}

const names = (m: Record<string, number | number[]>) =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, [v].flat().map((i) => EMOTIONS[i])]));

/** Licences of the corpora, as stated in ../shared/data/README.md (or by the corpus's release). */
export const TEXT_CORPUS_LICENCES = {
  meld: "GPL-3.0 (Poria et al. 2019)",
  emorynlp: "research release of Zahiri & Choi 2018 (no licence stated in shared/data)",
  dailydialog: "CC BY-NC-SA 4.0 (Li et al. 2017; RECCON annotation, Poria et al. 2021)",
  emocontext: "SemEval-2019 Task 3 data, research use (no licence stated in shared/data)",
  goemotions: "CC BY 4.0 (Demszky et al. 2020)",
  isear: "research use (Scherer & Wallbott 1994)",
};

/** Inputs of {@linkcode buildTextCard}. */
export interface TextCardInputs {
  version: number;
  vocabSize: number;
  maxTokens: number;
  contextTurns: number;
  counts: Record<string, { train: number; dev: number }>;
  // deno-lint-ignore no-explicit-any
  report: any;
  validation?: { model: Record<string, number>; lexicon: Record<string, number>; devCounts: Record<string, number> };
  references: Record<string, string>;
  command: string;
  /** Result tables written by scripts (readTextResults). */
  results?: TextResults;
}

/** The card.json object. */
export function buildTextCard(x: TextCardInputs): Record<string, unknown> {
  const r = x.report;
  const k = x.contextTurns + 1;
  return applyTextResults({
    name: "text_emotion",
    version: x.version,
    modality: "text",
    task: "emotion (7 classes) and sentiment (3 classes) of one utterance read with its previous turns",
    labels: EMOTIONS,
    sentimentLabels: SENTIMENTS,
    inputs: [
      {
        name: "input_ids",
        shape: ["batch", k, "tokens"],
        dtype: "int64",
        feature: `token ids of ${k} turns, oldest first, current last; left-padded with all-zero turns; ` +
          "each turn zero-padded to the longest in the batch (lib/text/tokenizer.ts, lib/text/context_window.ts)",
      },
      {
        name: "same_speaker",
        shape: ["batch", k],
        dtype: "float32",
        feature: "1 where the turn's speaker is the current turn's speaker (the current turn included), else 0",
      },
    ],
    outputs: [
      {
        name: "logits",
        shape: ["batch", 7],
        dtype: "float32",
        labels: EMOTIONS,
        note: "probs = softmax(logits / calibration.temperature)",
      },
      {
        name: "sentiment_logits",
        shape: ["batch", 3],
        dtype: "float32",
        labels: SENTIMENTS,
        note: "probs = softmax(sentiment_logits / calibration.sentiment.temperature)",
      },
      {
        name: "emorynlp_logits",
        shape: ["batch", 7],
        dtype: "float32",
        labels: EMORYNLP_LABELS,
        note: "validation only",
      },
      {
        name: "emocontext_logits",
        shape: ["batch", 4],
        dtype: "float32",
        labels: EMOCONTEXT_LABELS,
        note: "validation only",
      },
    ],
    preprocessing: {
      tokenizer:
        "lib/text/tokenizer.ts (NFKC, lower case, words with contractions, emoji, emoticons, punctuation runs)",
      vocabulary: "text_emotion.vocab.txt",
      vocabSize: x.vocabSize,
      oovBuckets: OOV_BUCKETS,
      maxTokens: x.maxTokens,
      contextTurns: x.contextTurns,
    },
    features: "learned word embeddings (from scratch; no pretrained weights) over the tokenizer's ids",
    data: {
      corpora: Object.keys(x.counts),
      splits: "official train for training; official dev for model selection, calibration and the metrics below",
      counts: x.counts,
      labelMapping: {
        meld: names(MELD_EMOTION_MAP),
        emorynlp: names(EMORYNLP_EMOTION_MAP),
        dailydialog: names(DAILYDIALOG_EMOTION_MAP),
        emocontext: names(EMOCONTEXT_EMOTION_MAP),
        goemotions: names(GOEMOTIONS_EKMAN_MAP),
        isear: names(ISEAR_EMOTION_MAP),
        note: "several classes = partial label (loss on the summed probability of the set); none = emotion " +
          "head not trained (sentiment only). Sentiment: MELD's column; elsewhere derived where the emotion " +
          "fixes it (surprise, EmoContext others and mixed GoEmotions labels give none). See docs/text.md.",
      },
    },
    architecture: {
      summary: "CNN turn encoder (widths 1/3/5, masked max+mean pooling) + GRU over the turn window with a " +
        "same-speaker flag; heads on [current turn, GRU state]",
      ...r.config,
      parameters: r.parameters,
    },
    training: {
      command: x.command,
      epochs: r.history.length,
      bestEpoch: r.bestEpoch,
      seed: r.config.seed,
      durationS: r.durationS,
      threads: r.config.threads,
      history: r.history,
      loss: "partial-label NLL (emotion) + cross-entropy (sentiment, EmoryNLP head, EmoContext head)",
      pretraining: `skip-gram with negative sampling (window 4, 5 negatives) on the training splits' text, ` +
        `${r.config.pretrainEpochs} epochs, initialises the word embeddings (training/text/text_pretrain.py)`,
      meldLossWeight: r.config.meldWeight,
      classWeightPower: r.config.classPower ?? 0,
      members: r.config.members ?? 1,
      embeddingLrScale: r.config.embLrScale,
    },
    validation: {
      protocol: "official dev splits, TypeScript tokenizer + ONNX (onnxruntime-web) exactly as served; " +
        "GoEmotions: arg-max plus calibrated probabilities ≥ 0.3; lexicon baseline = VADER sentiment + " +
        "corpus-induced SoA emotion lexicons (lib/offline/lexicon_baseline.ts), measured the same way",
      command: "deno run -A training/text/evaluate.ts",
      metrics: x.validation?.model,
      lexiconBaseline: x.validation?.lexicon,
      devCounts: x.validation?.devCounts,
      pytorchDevMetrics: r.devMetrics,
      publishedTestReferences: x.references,
      meldDevConfusion: { labels: EMOTIONS, matrix: r.meldConfusion, image: "text_emotion.confusion.png" },
    },
    calibration: {
      temperature: r.calibration.temperature,
      eceBefore: r.calibration.eceBefore,
      eceAfter: r.calibration.eceAfter,
      eceAfterCrossFitted: r.calibration.eceAfterCrossFitted,
      fittedOn: "single-label dev turns of MELD, EmoryNLP, DailyDialog and GoEmotions (15-bin ECE)",
      sentiment: r.sentimentCalibration,
    },
    licences: TEXT_CORPUS_LICENCES,
    limitations: [
      "Trained on GPL-3.0 and CC BY-NC-SA data: treat the weights as research / non-commercial.",
      "English only; scripted TV dialogue, Reddit, chat and self-reports, not call-centre speech or ASR output " +
      "(no disfluencies, no recognition errors).",
      "Rare classes (fearful, disgusted) are weak; see the MELD dev confusion matrix.",
      "Context is the previous " + x.contextTurns + " committed turns only; speakers enter as same/other.",
      "Dev metrics were also used for epoch selection, calibration and the choice among the 11 recipes of `training.recipeSearch` (seed-to-seed spread ≈ ±0.01 on MELD): they are optimistic for unseen data.",
    ],
  }, x.results ?? {});
}

/**
 * Puts the scripts' result tables into a card (in place, returned): the recipe history under `training`, the
 * deduplicated dev figures under `validation.deduplicated`, and the note that the dev figures are tuning figures.
 * training/text/refresh_card.ts applies it to the shipped card without retraining.
 */
// deno-lint-ignore no-explicit-any
export function applyTextResults(card: Record<string, any>, results: TextResults): Record<string, unknown> {
  const h = results.recipeHistory;
  if (h) {
    card.training.pretrainingAblation = h.pretrainingAblation;
    card.training.recipeComparison = h.recipeComparison;
    card.training.recipeSearch = h.recipeSearch;
    card.training.recipeHistorySource = h.source;
  }
  card.validation.devSplitUse = "the dev splits below also chose the epoch, the recipe (training.recipeSearch) " +
    "and the temperature: these are tuning figures, optimistic for unseen data";
  const d = results.devDedup;
  if (d) {
    card.validation.deduplicated = {
      method: d.method,
      command: d.command,
      duplicates: d.duplicates,
      metrics: d.deduplicated.model,
      lexiconBaseline: d.deduplicated.lexicon,
      devCounts: d.deduplicated.devCounts,
    };
  }
  return card;
}

const pct = (v: number | undefined) => (v === undefined ? "–" : v.toFixed(3));

/** The card's Markdown page. */
export function textCardMarkdown(card: Record<string, unknown>): string {
  // deno-lint-ignore no-explicit-any
  const c = card as any;
  const m = c.validation.metrics ?? {};
  const l = c.validation.lexiconBaseline ?? {};
  const refs = c.validation.publishedTestReferences ?? {};
  const rows = Object.keys(m).map((k) => `| ${k} | ${pct(m[k])} | ${pct(l[k])} | ${refs[k] ?? ""} |`);
  return `# ${c.name}@${c.version} — text emotion and sentiment

${c.task}. ONNX (\`${c.name}.onnx\`) outputs logits; calibrated probabilities are
\`softmax(logits / ${c.calibration.temperature})\` for emotions and
\`softmax(sentiment_logits / ${c.calibration.sentiment.temperature})\` for sentiment (done in lib/text/text_model.ts).

- Inputs: \`input_ids\` int64 [batch, ${c.preprocessing.contextTurns + 1}, tokens], \`same_speaker\` float32 [batch, ${
    c.preprocessing.contextTurns + 1
  }] (see card.json).
- Vocabulary: \`${c.preprocessing.vocabulary}\` (${c.preprocessing.vocabSize} ids incl. padding and ${c.preprocessing.oovBuckets} OOV hash buckets), max ${c.preprocessing.maxTokens} tokens per turn.
- Architecture: ${c.architecture.summary}; ${c.architecture.parameters} parameters.
- Training: \`${c.training.command}\`, ${c.training.epochs} epochs (best ${c.training.bestEpoch}), seed ${c.training.seed}, ${c.training.durationS} s on ${c.training.threads} CPU thread(s); MELD loss weight ${c.training.meldLossWeight}, class-weight power ${c.training.classWeightPower}, ${c.training.members} network(s).

## Recipe search (PyTorch dev metrics, seed 13)

| class power | MELD weight | networks | epochs | width | MELD wF1 | sentiment | EmoryNLP | EmoContext | GoEmotions | mean |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${
    // deno-lint-ignore no-explicit-any
    (c.training.recipeSearch ?? []).map((r: any) =>
      `| ${r.classPower} | ${r.meldWeight} | ${r.members} | ${r.epochs ?? 6} | ${r.embDim ?? 96}${
        r.pretrainEpochs ? `, ${r.pretrainEpochs} skip-gram epochs` : ""
      } | ${r.meld} | ${r.sentiment} | ${r.emorynlp} | ${r.emocontext} | ${r.goemotions} | ${r.mean} |`
    ).join("\n")}

## Dev metrics (${c.validation.command})

Note: ${c.validation.devSplitUse ?? "dev splits"}.

| metric | model | lexicon baseline | published test reference |
| --- | --- | --- | --- |
${rows.join("\n")}
${dedupSection(c.validation.deduplicated)}
Protocol: ${c.validation.protocol}.

## Calibration

Temperature ${c.calibration.temperature}: ECE ${pct(c.calibration.eceBefore)} → ${pct(c.calibration.eceAfter)}
(2-fold cross-fitted: ${pct(c.calibration.eceAfterCrossFitted)}), ${c.calibration.fittedOn}.
Sentiment temperature ${c.calibration.sentiment.temperature}: ECE ${pct(c.calibration.sentiment.eceBefore)} → ${
    pct(c.calibration.sentiment.eceAfter)
  }.

![MELD dev confusion](${c.validation.meldDevConfusion.image})

## Data and label mapping

Counts of labelled turns (train/dev): ${
    Object.entries(c.data.counts).map(([k, v]) =>
      `${k} ${(v as { train: number }).train}/${(v as { dev: number }).dev}`
    )
      .join(", ")
  }. Mapping: docs/text.md and card.json \`data.labelMapping\`.

## Licences

${Object.entries(c.licences).map(([k, v]) => `- ${k}: ${v}`).join("\n")}

## Limitations

${c.limitations.map((s: string) => `- ${s}`).join("\n")}
`;
}

// deno-lint-ignore no-explicit-any
function dedupSection(d: any): string {
  if (!d) return "";
  const dup = Object.entries(d.duplicates as Record<string, { devLabelled: number; devInTrain: number }>)
    .map(([k, v]) => `${k} ${v.devInTrain}/${v.devLabelled}`).join(", ");
  const rows = Object.keys(d.metrics).map((k) => `| ${k} | ${pct(d.metrics[k])} | ${pct(d.lexiconBaseline[k])} |`);
  return `
### Without cross-split duplicates (\`${d.command}\`)

${d.method}. Dev turns dropped (found in training text / labelled): ${dup}.

| metric | model | lexicon baseline |
| --- | --- | --- |
${rows.join("\n")}
`;
}
