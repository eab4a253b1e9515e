/**
 * Emotion shifts: per-participant tracking of the emotional state across utterances, emitting a
 * `shift` when it changes with enough confidence and size (hysteresis, not every flicker).
 */
export * from "./shift_tracker.ts";
