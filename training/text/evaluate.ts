/**
 * Dev-set validation of the shipped ONNX text model, run the way the server runs it (TypeScript
 * tokenizer, context windows, onnxruntime-web, the card's temperatures), next to the lexicon baseline
 * measured identically. Metrics are those of issue 4:
 *   MELD weighted-F1 (7 classes) and sentiment weighted-F1, EmoryNLP weighted-F1 on its own 7 labels
 *   (the model's emorynlp head), EmoContext micro-F1 over happy/sad/angry (its emocontext head),
 *   GoEmotions macro-F1 on the Ekman grouping (arg-max plus calibrated probabilities ≥ 0.3).
 *
 *   deno run -A training/text/evaluate.ts [--models models] [--data ../shared/data/text] [--out artifacts/text_eval.json]
 */
import { parseArgs } from "node:util";
import { EMOTIONS } from "../../lib/emotion/labels.ts";
import { softmax } from "../../lib/emotion/affect.ts";
import { type EncodedWindow, encodeWindow } from "../../lib/text/context_window.ts";
import {
  type CorpusDialogue,
  type CorpusName,
  EMOCONTEXT_LABELS,
  EMORYNLP_LABELS,
  readCorpus,
  type TurnLabel,
} from "../../lib/offline/corpus/mod.ts";
import { EmotionLexicon, vaderSentiment } from "../../lib/offline/lexicon_baseline.ts";
import { type TextLogits, TextModel } from "../../lib/text/text_model.ts";
import { argmax, macroF1MultiLabel, microF1Subset, multiLabelPrediction, weightedF1 } from "./metrics.ts";

/** GoEmotions' multi-label decision threshold (the authors' Ekman configuration). */
export const GOEMOTIONS_THRESHOLD = 0.3;
const EMOCONTEXT_EMOTIONS = [1, 2, 3]; // happy, sad, angry in EMOCONTEXT_LABELS

/** Published test-set references quoted by issue 4 (not measured here). */
export const PUBLISHED_REFERENCES = {
  meld_weighted_f1: "text-CNN 0.550 (test), DialogueRNN 0.57–0.60, RoBERTa-based ≈0.65",
  meld_sentiment_weighted_f1: "text-CNN 0.643 (test)",
  emocontext_micro_f1: "SemEval-2019 best 0.796 (test)",
  goemotions_ekman_macro_f1: "BERT 0.615 (test)",
};

/** The dev metrics of one system. */
export type TextDevMetrics = Record<string, number>;

interface Item {
  corpus: CorpusName;
  text: string;
  label: TurnLabel;
  window: EncodedWindow;
}

/** Which dev turns to measure (e.g. the ones whose text is not in any training split). */
export type DevFilter = (corpus: CorpusName, text: string) => boolean;

async function devItems(model: TextModel, dataDir: string, keep?: DevFilter): Promise<Item[]> {
  const items: Item[] = [];
  for (const name of ["meld", "emorynlp", "emocontext", "goemotions", "dailydialog"] as const) {
    for (const d of await readCorpus(name, dataDir, "dev")) {
      d.turns.forEach((t, i) => {
        if (!t.label || model.tokenizer.encode(t.text).length === 0) return;
        if (keep && !keep(name, t.text)) return;
        const window = encodeWindow(model.tokenizer, d.turns.slice(0, i), t, model.contextTurns);
        items.push({ corpus: name, text: t.text, label: t.label, window });
      });
    }
  }
  return items;
}

function metricsOf(
  items: Item[],
  predict: {
    emotion: (i: number) => number;
    emotionSet: (i: number) => number[];
    sentiment: (i: number) => number;
    emorynlp: (i: number) => number;
    emocontext: (i: number) => number;
  },
): TextDevMetrics {
  const idx = (c: CorpusName) => items.map((_, i) => i).filter((i) => items[i].corpus === c);
  const meld = idx("meld"), emory = idx("emorynlp"), emoc = idx("emocontext"), goemo = idx("goemotions");
  const dd = idx("dailydialog");
  const emoryTruth = emory.map((i) => (EMORYNLP_LABELS as readonly string[]).indexOf(items[i].label.native[0]));
  const emocTruth = emoc.map((i) => (EMOCONTEXT_LABELS as readonly string[]).indexOf(items[i].label.native[0]));
  const emocFrom7 = emoc.map((i) => [1, 2, 3].includes(predict.emotion(i)) ? predict.emotion(i) : 0);
  return {
    meld_weighted_f1: weightedF1(meld.map((i) => items[i].label.emotions[0]), meld.map(predict.emotion), 7),
    meld_sentiment_weighted_f1: weightedF1(meld.map((i) => items[i].label.sentiment), meld.map(predict.sentiment), 3),
    emorynlp_weighted_f1: weightedF1(emoryTruth, emory.map(predict.emorynlp), 7),
    emocontext_micro_f1: microF1Subset(emocTruth, emoc.map(predict.emocontext), EMOCONTEXT_EMOTIONS),
    goemotions_ekman_macro_f1: macroF1MultiLabel(
      goemo.map((i) => items[i].label.emotions),
      goemo.map(predict.emotionSet),
      7,
    ),
    // Extras: the live 7-class head read in EmoContext's terms (happy/sad/angry kept, anything else = others),
    // and DailyDialog (7 classes).
    emocontext_micro_f1_from_7_class_head: microF1Subset(emocTruth, emocFrom7, EMOCONTEXT_EMOTIONS),
    dailydialog_weighted_f1: weightedF1(dd.map((i) => items[i].label.emotions[0]), dd.map(predict.emotion), 7),
  };
}

/** Trains the lexicon baseline on the training splits (single-label turns for the 7-class lexicon). */
export async function trainLexicons(dataDir: string) {
  const read = (c: CorpusName) => readCorpus(c, dataDir, "train");
  const turns = (ds: CorpusDialogue[]) => ds.flatMap((d) => d.turns).filter((t) => t.label);
  const all: { text: string; label: number }[] = [];
  for (const c of ["meld", "emorynlp", "dailydialog", "emocontext", "goemotions", "isear"] as const) {
    for (const t of turns(await read(c))) {
      if (t.label!.emotions.length === 1) all.push({ text: t.text, label: t.label!.emotions[0] });
    }
  }
  const emory = turns(await read("emorynlp"))
    .map((t) => ({ text: t.text, label: (EMORYNLP_LABELS as readonly string[]).indexOf(t.label!.native[0]) }));
  const emoc = turns(await read("emocontext"))
    .map((t) => ({ text: t.text, label: (EMOCONTEXT_LABELS as readonly string[]).indexOf(t.label!.native[0]) }));
  return {
    emotions: EmotionLexicon.induce(all, EMOTIONS.length),
    emorynlp: EmotionLexicon.induce(emory, EMORYNLP_LABELS.length),
    emocontext: EmotionLexicon.induce(emoc, EMOCONTEXT_LABELS.length),
  };
}

/** Runs the model and the lexicon baseline over the dev splits. */
export async function evaluateText(model: TextModel, dataDir: string, keep?: DevFilter) {
  const items = await devItems(model, dataDir, keep);
  const outs: TextLogits[] = [];
  for (let s = 0; s < items.length; s += 128) {
    outs.push(...await model.run(items.slice(s, s + 128).map((x) => x.window)));
  }
  const probs = outs.map((o) => softmax(o.logits, model.temperature));
  const modelMetrics = metricsOf(items, {
    emotion: (i) => argmax(outs[i].logits),
    emotionSet: (i) => multiLabelPrediction(probs[i], GOEMOTIONS_THRESHOLD),
    sentiment: (i) => argmax(outs[i].sentimentLogits),
    emorynlp: (i) => argmax(outs[i].emorynlpLogits),
    emocontext: (i) => argmax(outs[i].emocontextLogits),
  });
  const lex = await trainLexicons(dataDir);
  const lexEmotion = items.map((x) => lex.emotions.classify(x.text));
  const lexiconMetrics = metricsOf(items, {
    emotion: (i) => lexEmotion[i],
    emotionSet: (i) => [lexEmotion[i]],
    sentiment: (i) => vaderSentiment(items[i].text),
    emorynlp: (i) => lex.emorynlp.classify(items[i].text),
    emocontext: (i) => lex.emocontext.classify(items[i].text),
  });
  const counts: Record<string, number> = {};
  for (const x of items) counts[x.corpus] = (counts[x.corpus] ?? 0) + 1;
  return { model: modelMetrics, lexicon: lexiconMetrics, devCounts: counts, references: PUBLISHED_REFERENCES };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      models: { type: "string", default: "models" },
      data: { type: "string", default: "../shared/data/text" },
      out: { type: "string", default: "artifacts/text_eval.json" },
    },
  });
  const model = await TextModel.load(values.models!);
  const result = await evaluateText(model, values.data!);
  console.table(Object.fromEntries(
    Object.keys(result.model).map((
      k,
    ) => [k, { model: +result.model[k].toFixed(4), lexicon: +result.lexicon[k].toFixed(4) }]),
  ));
  await Deno.mkdir(values.out!.replace(/\/[^/]*$/, "") || ".", { recursive: true });
  await Deno.writeTextFile(values.out!, JSON.stringify(result, null, 1));
  await model.release();
}
