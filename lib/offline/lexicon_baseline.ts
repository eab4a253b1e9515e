/**
 * The lexicon baseline the text model is measured against. Sentiment comes from VADER (Hutto &
 * Gilbert 2014) with its published thresholds (compound ≥ 0.05 positive, ≤ -0.05 negative). No
 * emotion lexicon ships with a registry package here, so the emotion lexicon is induced from the
 * training splits by Mohammad's (2012) strength-of-association method, the one behind the NRC
 * Hashtag Emotion Lexicon: SoA(w, e) = PMI(w, e) − PMI(w, ¬e). A text scores Σ SoA over its lexicon
 * words per class and takes the arg-max; with no lexicon word it gets the most frequent class.
 */
import vader from "vader-sentiment";
import { splitTokens } from "../text/tokenizer.ts";

/** Options for {@linkcode EmotionLexicon.induce}. */
export interface EmotionLexiconOptions {
  /** A word enters the lexicon when seen at least this many times in labelled texts. Default 5. */
  minCount?: number;
  /** Add-k smoothing of the word-class counts. Default 0.5. */
  smoothing?: number;
}

/** A word → per-class association lexicon over `classes` label indices. */
export class EmotionLexicon {
  private constructor(
    readonly classes: number,
    readonly associations: ReadonlyMap<string, Float64Array>,
    readonly majorityClass: number,
  ) {}

  /** Induces the lexicon from (text, class index) pairs. */
  static induce(
    examples: Iterable<{ text: string; label: number }>,
    classes: number,
    options: EmotionLexiconOptions = {},
  ): EmotionLexicon {
    const minCount = options.minCount ?? 5;
    const k = options.smoothing ?? 0.5;
    if (!(minCount >= 1) || !(k > 0)) throw new RangeError("minCount must be ≥ 1 and smoothing > 0");
    const wordClass = new Map<string, Float64Array>();
    const classTokens = new Float64Array(classes);
    const classDocs = new Float64Array(classes);
    for (const { text, label } of examples) {
      classDocs[label]++;
      for (const w of new Set(splitTokens(text))) {
        const row = wordClass.get(w) ?? new Float64Array(classes);
        row[label]++;
        wordClass.set(w, row);
        classTokens[label]++;
      }
    }
    const total = classTokens.reduce((a, b) => a + b, 0);
    const associations = new Map<string, Float64Array>();
    for (const [w, row] of wordClass) {
      const n = row.reduce((a, b) => a + b, 0);
      if (n < minCount) continue;
      const soa = new Float64Array(classes);
      for (let e = 0; e < classes; e++) {
        // SoA = log2( (f(w,e)·f(¬e)) / (f(e)·f(w,¬e)) ), smoothed.
        const inE = row[e] + k, outE = n - row[e] + k;
        soa[e] = Math.log2((inE * (total - classTokens[e] + k)) / ((classTokens[e] + k) * outE));
      }
      associations.set(w, soa);
    }
    let majority = 0;
    for (let e = 1; e < classes; e++) if (classDocs[e] > classDocs[majority]) majority = e;
    return new EmotionLexicon(classes, associations, majority);
  }

  /** Class index with the highest summed association, or the majority class when no word is known. */
  classify(text: string): number {
    const score = new Float64Array(this.classes);
    let hits = 0;
    for (const w of splitTokens(text)) {
      const soa = this.associations.get(w);
      if (!soa) continue;
      hits++;
      for (let e = 0; e < this.classes; e++) score[e] += soa[e];
    }
    if (hits === 0) return this.majorityClass;
    let best = 0;
    for (let e = 1; e < this.classes; e++) if (score[e] > score[best]) best = e;
    return best;
  }
}

/** VADER's compound score thresholds (Hutto & Gilbert 2014). */
export const VADER_THRESHOLD = 0.05;

/** VADER sentiment as an index into SENTIMENTS (negative, neutral, positive). */
export function vaderSentiment(text: string): number {
  const { compound } = vader.SentimentIntensityAnalyzer.polarity_scores(text);
  return compound >= VADER_THRESHOLD ? 2 : compound <= -VADER_THRESHOLD ? 0 : 1;
}
