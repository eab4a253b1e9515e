/** Sessions and participants: media in, utterances, analysis, transcript alignment, events out. Transport-free. */
export * from "./session.ts";
export * from "./session_registry.ts";
export * from "./participant.ts";
export * from "./participant_options.ts";
export * from "./utterance_analyzer.ts";
export * from "./transcript_aligner.ts";
export * from "./level_meter.ts";
