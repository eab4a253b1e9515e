/**
 * The common shape every corpus reader produces: dialogues of turns, some turns labelled.
 * Labels are kept both in the corpus's own vocabulary and mapped to the project's classes.
 */

/** The text corpora in ../shared/data/text. */
export const CORPUS_NAMES = ["meld", "emorynlp", "dailydialog", "emocontext", "goemotions", "isear"] as const;

/** One of the text corpora. */
export type CorpusName = typeof CORPUS_NAMES[number];

/** Which released split a dialogue comes from (test splits are held out). */
export type CorpusSplit = "train" | "dev";

/** A turn's labels. */
export interface TurnLabel {
  /** The corpus's own label(s), as written in the file (lower-cased). */
  native: string[];
  /**
   * Indices into EMOTIONS the turn may belong to. One index for an ordinary label; several for a
   * partial label (EmoContext "others", EmoryNLP Peaceful/Powerful) or a multi-label GoEmotions
   * comment; empty when no class fits (ISEAR shame and guilt).
   */
  emotions: number[];
  /** Index into SENTIMENTS, or -1 when the label says nothing sound about sentiment. */
  sentiment: number;
}

/** One turn of a dialogue. */
export interface CorpusTurn {
  speaker: string;
  text: string;
  /** Absent for turns that are context only (EmoContext turns 1 and 2). */
  label?: TurnLabel;
}

/** One dialogue (a single-turn one for GoEmotions and ISEAR). */
export interface CorpusDialogue {
  corpus: CorpusName;
  split: CorpusSplit;
  id: string;
  turns: CorpusTurn[];
}

/** Index of a sentiment word in SENTIMENTS order (negative, neutral, positive). */
export const SENTIMENT_INDEX = { negative: 0, neutral: 1, positive: 2 } as const;

/** Sentiment implied by an emotion class index (EMOTIONS order), or -1 where it is ambiguous. */
export const EMOTION_SENTIMENT: readonly number[] = [
  SENTIMENT_INDEX.neutral,
  SENTIMENT_INDEX.positive,
  SENTIMENT_INDEX.negative,
  SENTIMENT_INDEX.negative,
  SENTIMENT_INDEX.negative,
  SENTIMENT_INDEX.negative,
  -1,
];
