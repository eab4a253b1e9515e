/**
 * ISEAR (Scherer & Wallbott 1994): self-reported situations that caused an emotion. Five of its
 * seven emotions are ours; shame and guilt are self-conscious emotions with no class of ours, so
 * they train only the sentiment head (as negative). There is no neutral and no dev split here.
 */
import { readCorpusFile } from "./read_text.ts";
import { type CorpusDialogue, type CorpusSplit, SENTIMENT_INDEX } from "./types.ts";
import { CorpusFormatError } from "../../text/errors.ts";

/** ISEAR emotion → indices into EMOTIONS (empty: no class fits). */
export const ISEAR_EMOTION_MAP: Readonly<Record<string, number[]>> = {
  joy: [1],
  sadness: [2],
  anger: [3],
  fear: [4],
  disgust: [5],
  shame: [],
  guilt: [],
};

/** Reads `isear/train.csv` (pipe-separated; the SIT text may itself contain pipes). */
export async function readIsear(dataDir: string, split: CorpusSplit): Promise<CorpusDialogue[]> {
  if (split !== "train") return [];
  const path = `${dataDir}/isear/train.csv`;
  const lines = (await readCorpusFile(path)).split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0].split("|");
  const emotionCol = header.indexOf("Field1");
  const textCol = header.indexOf("SIT");
  if (emotionCol < 0 || textCol < 0) throw new CorpusFormatError(`${path}: missing Field1 or SIT column`);
  const after = header.length - textCol - 1; // columns after SIT
  return lines.slice(1).map((line, i) => {
    const f = line.split("|");
    if (f.length < header.length) throw new CorpusFormatError(`${path}: line ${i + 2} has ${f.length} fields`);
    const label = f[emotionCol].trim().toLowerCase();
    const emotions = ISEAR_EMOTION_MAP[label];
    if (!emotions) throw new CorpusFormatError(`${path}: unknown emotion ${label} on line ${i + 2}`);
    // "á" marks the original's line breaks; backslashes and stray quotes are export artefacts.
    const text = f.slice(textCol, f.length - after).join(" ").replace(/\s*á\s*/g, " ").replace(/[\\"]/g, "")
      .replace(/\s+/g, " ").trim();
    return {
      corpus: "isear" as const,
      split,
      id: `isear/${f[0]}/${i}`,
      turns: [{
        speaker: "writer",
        text,
        label: {
          native: [label],
          emotions: [...emotions],
          sentiment: label === "joy" ? SENTIMENT_INDEX.positive : SENTIMENT_INDEX.negative,
        },
      }],
    };
  });
}
