/**
 * EmoryNLP (Zahiri & Choi 2018): Friends scenes labelled with Willcox's feeling wheel. Four of its
 * labels are ours; Peaceful and Powerful are positive, low-threat states that are neither a basic
 * emotion nor plain neutral, so for the 7-class head they are partial labels {neutral, happy}
 * (the model may put the mass on either), and the EmoryNLP head learns them as they are.
 */
import { parseCsvRecords } from "./csv.ts";
import { readCorpusFile, requireColumns } from "./read_text.ts";
import { type CorpusDialogue, type CorpusSplit, SENTIMENT_INDEX } from "./types.ts";
import { CorpusFormatError } from "../../text/errors.ts";

/** EmoryNLP's own label space, in the order of the model's `emorynlp_logits` output. */
export const EMORYNLP_LABELS = ["neutral", "joyful", "peaceful", "powerful", "scared", "mad", "sad"] as const;

/** EmoryNLP label → indices into EMOTIONS (a partial label when more than one). */
export const EMORYNLP_EMOTION_MAP: Readonly<Record<string, number[]>> = {
  neutral: [0],
  joyful: [1],
  peaceful: [0, 1],
  powerful: [0, 1],
  scared: [4],
  mad: [3],
  sad: [2],
};

/** EmoryNLP label → sentiment: the wheel's three positive and three negative families. */
export const EMORYNLP_SENTIMENT_MAP: Readonly<Record<string, number>> = {
  neutral: SENTIMENT_INDEX.neutral,
  joyful: SENTIMENT_INDEX.positive,
  peaceful: SENTIMENT_INDEX.positive,
  powerful: SENTIMENT_INDEX.positive,
  scared: SENTIMENT_INDEX.negative,
  mad: SENTIMENT_INDEX.negative,
  sad: SENTIMENT_INDEX.negative,
};

/** Parses the Speaker column, written as a Python list literal ("['Monica Geller']"). */
function speakerName(raw: string): string {
  const names = [...raw.matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => m[1] ?? m[2]);
  return names.length ? names.join(" & ") : raw;
}

/** Reads `emorynlp/<split>.csv` into scenes ordered by Utterance_ID. */
export async function readEmoryNlp(dataDir: string, split: CorpusSplit): Promise<CorpusDialogue[]> {
  const path = `${dataDir}/emorynlp/${split}.csv`;
  const records = parseCsvRecords(await readCorpusFile(path));
  requireColumns(path, records[0], ["Utterance", "Speaker", "Emotion", "Scene_ID", "Utterance_ID"]);
  const scenes = new Map<string, { order: number; turn: CorpusDialogue["turns"][number] }[]>();
  for (const r of records) {
    const label = r.Emotion.trim().toLowerCase();
    const emotions = EMORYNLP_EMOTION_MAP[label];
    if (!emotions) throw new CorpusFormatError(`${path}: unknown label ${label}`);
    const key = `${r.Season ?? ""}.${r.Episode ?? ""}.${r.Scene_ID}`;
    const list = scenes.get(key) ?? [];
    list.push({
      order: Number(r.Utterance_ID),
      turn: {
        speaker: speakerName(r.Speaker),
        text: r.Utterance,
        label: { native: [label], emotions: [...emotions], sentiment: EMORYNLP_SENTIMENT_MAP[label] },
      },
    });
    scenes.set(key, list);
  }
  return [...scenes.entries()].map(([key, list]) => ({
    corpus: "emorynlp",
    split,
    id: `emorynlp/${split}/${key}`,
    turns: list.sort((a, b) => a.order - b.order).map((x) => x.turn),
  }));
}
