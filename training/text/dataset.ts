/**
 * Turns the text corpora into the training cache Python reads: the vocabulary and every turn's token
 * ids, made by the project's TypeScript tokenizer, plus one example per labelled turn that names the
 * turns of its context window. Python never tokenises.
 *
 * Layout of `dataset.json` (all arrays parallel per example):
 *   turns[t]        token ids of turn t (every turn of every dialogue, empty-text turns dropped)
 *   split[e]        0 train, 1 dev
 *   dialogue[e]     index of the example's dialogue (examples of one dialogue share turns)
 *   corpus[e]       index into `corpora`
 *   window[e]       contextTurns + 1 turn indices, oldest first, -1 = padding
 *   same[e]         1 where that turn's speaker is the current speaker
 *   emotionMask[e]  bit c set when EMOTIONS[c] is an allowed label (0: no emotion label)
 *   sentiment[e]    index into SENTIMENTS or -1
 *   emorynlp[e]     index into EMORYNLP_LABELS or -1;  emocontext[e]: EMOCONTEXT_LABELS or -1
 */
import { EMOTIONS, SENTIMENTS } from "../../lib/emotion/labels.ts";
import {
  CORPUS_NAMES,
  type CorpusDialogue,
  EMOCONTEXT_LABELS,
  EMORYNLP_LABELS,
  readCorpus,
} from "../../lib/offline/corpus/mod.ts";
import { type Turn, windowSlots } from "../../lib/text/context_window.ts";
import { TextTokenizer } from "../../lib/text/tokenizer.ts";

/** Options for {@linkcode buildTextDataset}. */
export interface TextDatasetOptions {
  /** Folder holding meld/, emorynlp/, …; default "../shared/data/text". */
  dataDir?: string;
  /** Previous turns in a window. Default 4. */
  contextTurns?: number;
  /** Tokens kept per turn. Default 48. */
  maxTokens?: number;
  /** Minimum count of a vocabulary word in the training splits. Default 2. */
  minCount?: number;
}

/** What {@linkcode buildTextDataset} returns. */
export interface TextDataset {
  tokenizer: TextTokenizer;
  /** The JSON document described in this module's header. */
  json: Record<string, unknown>;
  /** Labelled examples per corpus and split, for the model card. */
  counts: Record<string, { train: number; dev: number }>;
}

/** Reads every corpus and builds the tokenised training cache in memory. */
export async function buildTextDataset(options: TextDatasetOptions = {}): Promise<TextDataset> {
  const dataDir = options.dataDir ?? "../shared/data/text";
  const contextTurns = options.contextTurns ?? 4;
  const maxTokens = options.maxTokens ?? 48;
  if (!Number.isInteger(contextTurns) || contextTurns < 0) throw new RangeError("contextTurns must be an integer ≥ 0");
  const dialogues: CorpusDialogue[] = [];
  for (const name of CORPUS_NAMES) {
    for (const split of ["train", "dev"] as const) dialogues.push(...await readCorpus(name, dataDir, split));
  }
  const tokenizer = TextTokenizer.build(
    dialogues.filter((d) => d.split === "train").flatMap((d) => d.turns.map((t) => t.text)),
    { maxTokens, minCount: options.minCount ?? 2 },
  );
  const turns: number[][] = [];
  const ex = {
    split: [] as number[],
    dialogue: [] as number[],
    corpus: [] as number[],
    window: [] as number[][],
    same: [] as number[][],
    emotionMask: [] as number[],
    sentiment: [] as number[],
    emorynlp: [] as number[],
    emocontext: [] as number[],
  };
  const counts: Record<string, { train: number; dev: number }> = {};
  for (const [dialogueIndex, d] of dialogues.entries()) {
    const encoded = d.turns.map((t) => ({ turn: t, ids: tokenizer.encode(t.text) })).filter((t) => t.ids.length > 0);
    const base = turns.length;
    for (const t of encoded) turns.push(t.ids);
    encoded.forEach(({ turn }, i) => {
      if (!turn.label) return;
      const slots = windowSlots(i, contextTurns);
      ex.split.push(d.split === "train" ? 0 : 1);
      ex.dialogue.push(dialogueIndex);
      ex.corpus.push(CORPUS_NAMES.indexOf(d.corpus));
      ex.window.push(slots.map((s) => (s < 0 ? -1 : base + s)));
      ex.same.push(slots.map((s) => (s >= 0 && encoded[s].turn.speaker === turn.speaker ? 1 : 0)));
      ex.emotionMask.push(turn.label.emotions.reduce((m, c) => m | (1 << c), 0));
      ex.sentiment.push(turn.label.sentiment);
      const native = turn.label.native[0];
      ex.emorynlp.push(d.corpus === "emorynlp" ? (EMORYNLP_LABELS as readonly string[]).indexOf(native) : -1);
      ex.emocontext.push(d.corpus === "emocontext" ? (EMOCONTEXT_LABELS as readonly string[]).indexOf(native) : -1);
      const c = counts[d.corpus] ??= { train: 0, dev: 0 };
      c[d.split]++;
    });
  }
  const json = {
    version: 1,
    vocabSize: tokenizer.size,
    contextTurns,
    maxTokens,
    emotions: EMOTIONS,
    sentiments: SENTIMENTS,
    emorynlpLabels: EMORYNLP_LABELS,
    emocontextLabels: EMOCONTEXT_LABELS,
    corpora: CORPUS_NAMES,
    turns,
    examples: ex,
    parity: parityWindows(dialogues, tokenizer, contextTurns),
  };
  return { tokenizer, json, counts };
}

/** A few real dev windows, with their texts, for the ONNX-vs-PyTorch parity fixture. */
function parityWindows(dialogues: CorpusDialogue[], tokenizer: TextTokenizer, contextTurns: number) {
  const picks: { history: Turn[]; current: Turn }[] = [];
  for (const name of ["meld", "emocontext", "goemotions", "emorynlp"]) {
    const d = dialogues.find((x) => x.corpus === name && x.split === "dev" && x.turns.length >= 3) ??
      dialogues.find((x) => x.corpus === name && x.split === "dev")!;
    const turns = d.turns.map((t) => ({ speaker: t.speaker, text: t.text }));
    for (const i of [0, Math.min(2, turns.length - 1), turns.length - 1]) {
      picks.push({ history: turns.slice(0, i), current: turns[i] });
    }
  }
  return picks.map(({ history, current }) => {
    const kept = history.filter((t) => tokenizer.encode(t.text).length > 0);
    const all = [...kept.slice(Math.max(0, kept.length - contextTurns)), current];
    const slots = windowSlots(all.length - 1, contextTurns);
    return {
      history,
      current,
      turns: slots.map((s) => (s < 0 ? [] : tokenizer.encode(all[s].text))),
      same: slots.map((s) => (s >= 0 && all[s].speaker === current.speaker ? 1 : 0)),
    };
  });
}
