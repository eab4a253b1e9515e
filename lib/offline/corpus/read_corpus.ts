/** One entry point over the six readers. */
import { readDailyDialog } from "./dailydialog.ts";
import { readEmoContext } from "./emocontext.ts";
import { readEmoryNlp } from "./emorynlp.ts";
import { readGoEmotions } from "./goemotions.ts";
import { readIsear } from "./isear.ts";
import { readMeld } from "./meld.ts";
import type { CorpusDialogue, CorpusName, CorpusSplit } from "./types.ts";

const READERS: Record<CorpusName, (dataDir: string, split: CorpusSplit) => Promise<CorpusDialogue[]>> = {
  meld: readMeld,
  emorynlp: readEmoryNlp,
  dailydialog: readDailyDialog,
  emocontext: readEmoContext,
  goemotions: readGoEmotions,
  isear: readIsear,
};

/**
 * Reads one split of one corpus from `dataDir` (the folder holding meld/, emorynlp/, …; from the
 * project root it is ../shared/data/text). ISEAR has no dev split and yields [] for it.
 */
export function readCorpus(name: CorpusName, dataDir: string, split: CorpusSplit): Promise<CorpusDialogue[]> {
  return READERS[name](dataDir, split);
}
