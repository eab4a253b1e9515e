/**
 * Text modality: what people say, read in the context of the conversation. A tokenizer shared by
 * training and inference, the ONNX text emotion and sentiment model, and a per-session
 * Conversation that turns transcript turns into ModalityEstimates. The corpus readers and the
 * lexicon baseline are offline-only and live in lib/offline/. See docs/text.md.
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
