/**
 * MELD (Poria et al. 2019): Friends dialogues, one CSV row per utterance. Its seven emotions are
 * ours under other names; its sentiment column labels the sentiment head directly.
 */
import { parseCsvRecords } from "./csv.ts";
import { readCorpusFile, requireColumns } from "./read_text.ts";
import { type CorpusDialogue, type CorpusSplit, SENTIMENT_INDEX } from "./types.ts";
import { CorpusFormatError } from "../../text/errors.ts";

/** MELD emotion → index into EMOTIONS. Every MELD label has a class. */
export const MELD_EMOTION_MAP: Readonly<Record<string, number>> = {
  neutral: 0,
  joy: 1,
  sadness: 2,
  anger: 3,
  fear: 4,
  disgust: 5,
  surprise: 6,
};

/** Reads `meld/<split>.csv` into dialogues ordered by Dialogue_ID and Utterance_ID. */
export async function readMeld(dataDir: string, split: CorpusSplit): Promise<CorpusDialogue[]> {
  const path = `${dataDir}/meld/${split}.csv`;
  const records = parseCsvRecords(await readCorpusFile(path));
  requireColumns(path, records[0], ["Utterance", "Speaker", "Emotion", "Sentiment", "Dialogue_ID", "Utterance_ID"]);
  const byDialogue = new Map<number, { order: number; turn: CorpusDialogue["turns"][number] }[]>();
  for (const r of records) {
    const emotion = r.Emotion.trim().toLowerCase();
    const sentiment = r.Sentiment.trim().toLowerCase();
    const e = MELD_EMOTION_MAP[emotion];
    const s = SENTIMENT_INDEX[sentiment as keyof typeof SENTIMENT_INDEX];
    if (e === undefined || s === undefined) {
      throw new CorpusFormatError(`${path}: unknown label ${emotion}/${sentiment}`);
    }
    const id = Number(r.Dialogue_ID);
    const list = byDialogue.get(id) ?? [];
    list.push({
      order: Number(r.Utterance_ID),
      turn: { speaker: r.Speaker, text: r.Utterance, label: { native: [emotion], emotions: [e], sentiment: s } },
    });
    byDialogue.set(id, list);
  }
  return [...byDialogue.entries()].sort((a, b) => a[0] - b[0]).map(([id, list]) => ({
    corpus: "meld",
    split,
    id: `meld/${split}/${id}`,
    turns: list.sort((a, b) => a.order - b.order).map((x) => x.turn),
  }));
}
