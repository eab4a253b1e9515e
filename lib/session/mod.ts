/** Sessions and participants: media in, utterances, analysis, transcript alignment, events out. Transport-free. */
export * from "./session.ts";
export * from "./session_registry.ts";
export * from "./participant.ts";
export * from "./participant_options.ts";
export * from "./utterance_analyzer.ts";
export * from "./transcript_aligner.ts";
export * from "./level_meter.ts";
export * from "./error_throttle.ts";
export * from "./rate_limiter.ts";
export * from "./transcript_buffer.ts";
export * from "./face_windows.ts";
export * from "./utterance_ids.ts";
export * from "./missing_reasons.ts";
export * from "./interrupted_utterances.ts";
