/**
 * Text modality: what people say, read in the context of the conversation. A tokenizer shared by
 * training and inference, corpus readers with their label mappings, the ONNX text emotion and
 * sentiment model, a per-session Conversation that turns transcript turns into ModalityEstimates,
 * and the lexicon baseline it is measured against. See docs/text.md.
 */
export { Conversation, type ConversationOptions } from "./conversation.ts";
export {
  buildWindow,
  type EncodedWindow,
  encodeWindow,
  packWindows,
  type TokenizedTurn,
  type Turn,
  type WindowBatch,
  windowSlots,
} from "./context_window.ts";
export { CorpusFormatError, TextModelError } from "./errors.ts";
export { EmotionLexicon, type EmotionLexiconOptions, VADER_THRESHOLD, vaderSentiment } from "./lexicon_baseline.ts";
export {
  TEXT_MODEL_INPUTS,
  TEXT_MODEL_OUTPUTS,
  type TextLogits,
  TextModel,
  type TextModelLoadOptions,
} from "./text_model.ts";
export {
  fnv1a,
  normalizeText,
  OOV_BUCKETS,
  PAD_ID,
  splitTokens,
  TextTokenizer,
  type TextTokenizerOptions,
  type VocabularyBuildOptions,
} from "./tokenizer.ts";
export * as corpus from "./corpus/mod.ts";
