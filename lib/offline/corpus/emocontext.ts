/**
 * EmoContext (SemEval-2019 Task 3, Chatterjee et al. 2019): three-turn chats between a user (A) and
 * an agent (B), the third turn labelled happy, sad, angry or others. "others" only says "none of the
 * three", so for the 7-class head it is the partial label {neutral, fearful, disgusted, surprised}
 * and gives no sentiment; the EmoContext head learns all four labels as they are.
 */
import { readCorpusFile } from "./read_text.ts";
import { type CorpusDialogue, type CorpusSplit, SENTIMENT_INDEX } from "./types.ts";
import { CorpusFormatError } from "../../text/errors.ts";

/** EmoContext's own label space, in the order of the model's `emocontext_logits` output. */
export const EMOCONTEXT_LABELS = ["others", "happy", "sad", "angry"] as const;

/** EmoContext label → indices into EMOTIONS. */
export const EMOCONTEXT_EMOTION_MAP: Readonly<Record<string, number[]>> = {
  others: [0, 4, 5, 6],
  happy: [1],
  sad: [2],
  angry: [3],
};

/** EmoContext label → sentiment (-1 for "others", which may be either). */
export const EMOCONTEXT_SENTIMENT_MAP: Readonly<Record<string, number>> = {
  others: -1,
  happy: SENTIMENT_INDEX.positive,
  sad: SENTIMENT_INDEX.negative,
  angry: SENTIMENT_INDEX.negative,
};

/** Reads `emocontext/<split>.txt`: one chat per line, the last turn labelled. */
export async function readEmoContext(dataDir: string, split: CorpusSplit): Promise<CorpusDialogue[]> {
  const path = `${dataDir}/emocontext/${split}.txt`;
  // Turns contain stray quote characters: split on tabs and newlines only.
  const lines = (await readCorpusFile(path)).split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0]?.split("\t") ?? [];
  if (header.join(",") !== "id,turn1,turn2,turn3,label") throw new CorpusFormatError(`${path}: unexpected header`);
  return lines.slice(1).map((line) => {
    const f = line.split("\t");
    if (f.length !== 5) throw new CorpusFormatError(`${path}: expected 5 tab-separated fields in ${f[0]}`);
    const label = f[4].trim().toLowerCase();
    const emotions = EMOCONTEXT_EMOTION_MAP[label];
    if (!emotions) throw new CorpusFormatError(`${path}: unknown label ${label}`);
    return {
      corpus: "emocontext" as const,
      split,
      id: `emocontext/${split}/${f[0]}`,
      turns: [
        { speaker: "A", text: f[1] },
        { speaker: "B", text: f[2] },
        {
          speaker: "A",
          text: f[3],
          label: { native: [label], emotions: [...emotions], sentiment: EMOCONTEXT_SENTIMENT_MAP[label] },
        },
      ],
    };
  });
}
