/**
 * Voice modality: streaming eGeMAPS v02 features (LLDs every 10 ms, functionals per span),
 * per-speaker normalisation that accumulates over a call, and the voice emotion model.
 * The server loads one {@linkcode VoiceModel} and gives each participant a {@linkcode VoiceStream}.
 */
export { VOICE_MODEL_STEM, VoiceModel, type VoiceModelOptions } from "./voice_model.ts";
export { VoiceStream, type VoiceStreamOptions, type VoiceSummary } from "./voice_stream.ts";
export { VoiceModelError, VoiceStreamError } from "./errors.ts";
export { extractLlds, hzToSemitones, LldExtractor, type LldExtractorOptions, type LldSink } from "./lld_extractor.ts";
export { computeFunctionals, dropShortRuns, MIN_VOICED_FRAMES } from "./functionals.ts";
export { type UtteranceFeatures, utteranceFeatures } from "./utterance_features.ts";
export {
  EGEMAPS_FUNCTIONAL_COUNT,
  EGEMAPS_FUNCTIONAL_NAMES,
  EXTRA_FUNCTIONAL_NAMES,
  FEATURE_COUNT,
  FEATURE_NAMES,
} from "./functional_names.ts";
export {
  EGEMAPS_LLD_NAMES,
  EXTRA_LLD_NAMES,
  HOP_MS,
  HOP_SAMPLES,
  LLD,
  LLD_COUNT,
  LLD_NAMES,
  SAMPLE_RATE,
} from "./lld_names.ts";
export { LldRing } from "./lld_ring.ts";
export { normalizeWith, SpeakerNormalizer, type SpeakerNormalizerOptions } from "./speaker_normalizer.ts";
