/**
 * GoEmotions (Demszky et al. 2020): Reddit comments with 27 emotions + neutral, multi-label. The
 * authors' Ekman grouping maps them onto exactly our seven classes; a comment's label is the set of
 * its groups. Sentiment follows the authors' sentiment grouping when all of a comment's labels agree;
 * their "ambiguous" group (surprise, realization, confusion, curiosity) gives none.
 *
 * ../shared/data/text/goemotions/ekman.json is a BERT training configuration, not the grouping, so
 * the grouping is written here from the GoEmotions release (data/ekman_mapping.json,
 * data/sentiment_mapping.json).
 */
import { readCorpusFile } from "./read_text.ts";
import { type CorpusDialogue, type CorpusSplit, EMOTION_SENTIMENT } from "./types.ts";
import { CorpusFormatError } from "../../text/errors.ts";

/** GoEmotions label → index into EMOTIONS (its Ekman group). */
export const GOEMOTIONS_EKMAN_MAP: Readonly<Record<string, number>> = {
  neutral: 0,
  admiration: 1,
  amusement: 1,
  approval: 1,
  caring: 1,
  desire: 1,
  excitement: 1,
  gratitude: 1,
  joy: 1,
  love: 1,
  optimism: 1,
  pride: 1,
  relief: 1,
  disappointment: 2,
  embarrassment: 2,
  grief: 2,
  remorse: 2,
  sadness: 2,
  anger: 3,
  annoyance: 3,
  disapproval: 3,
  fear: 4,
  nervousness: 4,
  disgust: 5,
  confusion: 6,
  curiosity: 6,
  realization: 6,
  surprise: 6,
};

/** Reads `goemotions/<split>.tsv` with `labels.txt`; each comment is a one-turn dialogue. */
export async function readGoEmotions(dataDir: string, split: CorpusSplit): Promise<CorpusDialogue[]> {
  const labelNames = (await readCorpusFile(`${dataDir}/goemotions/labels.txt`)).split(/\r?\n/).map((s) => s.trim())
    .filter((s) => s);
  const path = `${dataDir}/goemotions/${split}.tsv`;
  const lines = (await readCorpusFile(path)).split(/\r?\n/).filter((l) => l.length > 0);
  return lines.map((line) => {
    const f = line.split("\t");
    if (f.length !== 3) throw new CorpusFormatError(`${path}: expected 3 tab-separated fields, got ${f.length}`);
    const native = f[1].split(",").map((s) => {
      const name = labelNames[Number(s)];
      if (name === undefined || GOEMOTIONS_EKMAN_MAP[name] === undefined) {
        throw new CorpusFormatError(`${path}: unknown label id ${s} in ${f[2]}`);
      }
      return name;
    });
    const emotions = [...new Set(native.map((n) => GOEMOTIONS_EKMAN_MAP[n]))].sort((a, b) => a - b);
    const sentiments = new Set(emotions.map((e) => EMOTION_SENTIMENT[e]));
    const sentiment = sentiments.size === 1 ? [...sentiments][0] : -1;
    return {
      corpus: "goemotions" as const,
      split,
      id: `goemotions/${split}/${f[2]}`,
      turns: [{ speaker: "writer", text: f[0], label: { native, emotions, sentiment } }],
    };
  });
}
