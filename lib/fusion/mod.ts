/**
 * Fusion: one calibrated estimate per utterance from whichever modalities spoke, each weighted by
 * its reliability for this utterance (certainty and coverage, coefficients fitted on validation
 * data: docs/fusion.md), with valence, arousal and sentiment, shaped for events by summarizeEmotion.
 */
export * from "./fuse.ts";
export * from "./fusion_params.ts";
export * from "./emotion_summary.ts";
