/**
 * Readers for the text corpora in ../shared/data/text, each mapping its labels onto the project's
 * seven emotions and three sentiments (the mappings are documented in docs/text.md).
 */
export * from "./types.ts";
export { parseCsv, parseCsvRecords } from "./csv.ts";
export { MELD_EMOTION_MAP, readMeld } from "./meld.ts";
export { EMORYNLP_EMOTION_MAP, EMORYNLP_LABELS, EMORYNLP_SENTIMENT_MAP, readEmoryNlp } from "./emorynlp.ts";
export { DAILYDIALOG_EMOTION_MAP, readDailyDialog } from "./dailydialog.ts";
export { EMOCONTEXT_EMOTION_MAP, EMOCONTEXT_LABELS, EMOCONTEXT_SENTIMENT_MAP, readEmoContext } from "./emocontext.ts";
export { GOEMOTIONS_EKMAN_MAP, readGoEmotions } from "./goemotions.ts";
export { ISEAR_EMOTION_MAP, readIsear } from "./isear.ts";
export { readCorpus } from "./read_corpus.ts";
