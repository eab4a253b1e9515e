/**
 * Offline-only code: what training, evaluation and benchmarks read that the live server never
 * runs — the text corpus readers with their label mappings and the lexicon baseline the text
 * model is measured against. Runtime folders (lib/session, lib/transport, lib/engine, the
 * modality stages) must not import it (lib/layering_test.ts).
 */
export * as corpus from "./corpus/mod.ts";
export { EmotionLexicon, type EmotionLexiconOptions, VADER_THRESHOLD, vaderSentiment } from "./lexicon_baseline.ts";
