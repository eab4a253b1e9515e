/**
 * DailyDialog (Li et al. 2017) as re-annotated in RECCON (Poria et al. 2021): everyday two-party
 * conversations. Its labels are Ekman's six plus neutral, spelled several ways. Sentiment is derived
 * where the emotion fixes it (surprise can be either, so it gives none).
 */
import { readCorpusFile } from "./read_text.ts";
import { type CorpusDialogue, type CorpusSplit, EMOTION_SENTIMENT } from "./types.ts";
import { CorpusFormatError } from "../../text/errors.ts";

/** DailyDialog emotion spelling → index into EMOTIONS. */
export const DAILYDIALOG_EMOTION_MAP: Readonly<Record<string, number>> = {
  neutral: 0,
  happiness: 1,
  happy: 1,
  excited: 1,
  sadness: 2,
  sad: 2,
  anger: 3,
  angry: 3,
  fear: 4,
  disgust: 5,
  surprise: 6,
  surprised: 6,
};

interface RecconTurn {
  speaker: string;
  utterance: string;
  emotion: string;
}

/** Reads `dailydialog/<split>.json` (RECCON layout: id → [conversation of turns]). */
export async function readDailyDialog(dataDir: string, split: CorpusSplit): Promise<CorpusDialogue[]> {
  const path = `${dataDir}/dailydialog/${split}.json`;
  let json: Record<string, RecconTurn[][]>;
  try {
    json = JSON.parse(await readCorpusFile(path));
  } catch (err) {
    if (err instanceof CorpusFormatError) throw err;
    throw new CorpusFormatError(`${path}: invalid JSON`, { cause: err });
  }
  const dialogues: CorpusDialogue[] = [];
  for (const [id, conversations] of Object.entries(json)) {
    conversations.forEach((conv, k) => {
      dialogues.push({
        corpus: "dailydialog",
        split,
        id: `dailydialog/${split}/${id}/${k}`,
        turns: conv.map((t) => {
          const label = String(t.emotion).trim().toLowerCase();
          const e = DAILYDIALOG_EMOTION_MAP[label];
          if (e === undefined) throw new CorpusFormatError(`${path}: unknown emotion ${label} in ${id}`);
          return {
            speaker: t.speaker,
            text: t.utterance,
            label: { native: [label], emotions: [e], sentiment: EMOTION_SENTIMENT[e] },
          };
        }),
      });
    });
  }
  return dialogues;
}
